"""Every environment variable is read in ``shared/config.py`` and listed in the README."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
READS = re.compile(r"os\.environ(?:\.get)?[\[(]|os\.getenv\(")


def _python_files():
    for folder in ("services", "shared", "deploy"):
        yield from (ROOT / folder).rglob("*.py")


def test_no_module_but_the_config_reads_the_environment():
    readers = sorted(str(p.relative_to(ROOT)) for p in _python_files()
                     if READS.search(p.read_text(encoding="utf-8"))
                     and p.name != "config.py")
    # make run's own launcher reads SCALE, MONGO_URI (to decide whether to start the
    # embedded databases) and LINLI_MONGO_PORT, which no service process reads
    assert readers == ["deploy/local/run.py"], readers


def test_every_variable_the_settings_read_is_in_the_readme_table():
    config = (ROOT / "shared" / "config.py").read_text(encoding="utf-8")
    named = set(re.findall(r'environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', config))
    named |= {prefix + "<SERVICE>" if prefix == "MONGO_URI_" else prefix + "<PROCESS>"
              for prefix in re.findall(r'startswith\("([A-Z_]+_)"\)', config)}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    missing = sorted(v for v in named if f"`{v}`" not in table)
    assert not missing, f"not in the README's configuration table: {missing}"
