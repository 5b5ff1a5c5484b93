"""The web process's settings: the LINLI_WEB_* fields of the one ``Settings``
(``shared/config.py``), read without the refusals that concern processes holding the
secret (the web process signs nothing)."""
from shared.config import frontend_settings

web_settings = frontend_settings
