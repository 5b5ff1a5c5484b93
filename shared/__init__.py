"""The common library every Linli service and the gateway build on."""
