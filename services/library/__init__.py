"""Library: branches and book houses, titles and copies, loans, holds, renewals."""
