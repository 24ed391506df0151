"""Statement zips unpack in bounded memory through `dunmail statements import` (#11).

A zip from a trusted bank sender (or one given on the command line) used to be unpacked whole:
every member kept in memory up to 1 GiB in total, as long as each member stayed under 200x
its packed size. Members are now measured as a stream of 1 MiB chunks before any is imported,
and the archive is refused (kept with the reason, retryable) beyond bank.zip_max_*; peak
memory is measured in a separate `dunmail` process (VmHWM).
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from daemon.adapters.store.db import open_store
from tests.integration.bank_writers import Tx, camt053, single

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "NL91ABNA0417164300"
MIB = 1 << 20

_PROBE = """
import json, re, sys
sys.path.insert(0, sys.argv[1])
from daemon.cli import main
try:
    main.main(args=sys.argv[3:], prog_name="dunmail")
    code = 0
except SystemExit as exc:
    code = exc.code
# VmHWM: this process's own peak resident memory.
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
json.dump({"code": code, "rss_mb": peak_kb / 1024}, open(sys.argv[2], "w"))
"""


def dunmail(tmp_path: Path, *args: str) -> dict[str, Any]:
    """Run `dunmail ARGS` in its own process; its exit code, output and peak memory."""
    report = tmp_path / "probe.json"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT), str(report), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(report.read_text())
    result["output"] = done.stdout + done.stderr
    return result


def spread_bomb(members: int, member_mib: int, noise: int = 8192) -> bytes:
    """Members that each pack ~77x (under the 200x ratio check; less with more ``noise``)
    and together unpack to ``members * member_mib`` MiB: within the old 1 GiB total, all
    held in memory at once."""
    rnd = random.Random(11)
    chunk = rnd.randbytes(noise) + b"\0" * (MIB - noise)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for m in range(members):
            with archive.open(f"statement-{m}.xml", "w") as member:
                for _ in range(member_mib):
                    member.write(chunk)
    return buffer.getvalue()


def statement_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "camt.xml", camt053(ACCOUNT, "S-1", [single(Tx("100.00", text="a"), "R1")])
        )
        archive.writestr("camt2.xml", camt053(ACCOUNT, "S-2", [single(Tx("7.50", text="b"), "R2")]))
    return buffer.getvalue()


def files(db: Path) -> list[dict[str, Any]]:
    store = open_store(db)
    try:
        return store.query(
            "SELECT status, reason, length(raw) AS size FROM statement_files ORDER BY id"
        )
    finally:
        store.close()


def test_a_zip_that_unpacks_to_256_mib_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    good = tmp_path / "good.zip"
    good.write_bytes(statement_zip())
    assert dunmail(tmp_path, "--db", str(db), "init")["code"] == 0
    control = dunmail(tmp_path, "--db", str(db), "statements", "import", str(good))
    assert control["code"] == 0, control["output"]  # positive control: a normal zip imports

    bomb = tmp_path / "spread.zip"
    bomb.write_bytes(spread_bomb(4, 64))
    assert bomb.stat().st_size < 4 * MIB
    result = dunmail(tmp_path, "--db", str(db), "statements", "import", str(bomb))
    assert result["code"] == 1
    assert "bank.zip_max_unpacked_bytes" in result["output"]
    kept = files(db)
    assert [k["status"] for k in kept] == ["imported", "imported", "failed"]
    assert kept[-1]["size"] == bomb.stat().st_size  # kept as it came, for review and retry
    assert "bank.zip_max_unpacked_bytes" in kept[-1]["reason"]
    # The old code held all 256 MiB at once; now at most a 1 MiB chunk at a time.
    assert result["rss_mb"] < control["rss_mb"] + 40, (result["rss_mb"], control["rss_mb"])


def _config(tmp_path: Path, bank: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\npath = "{tmp_path / "office.db"}"\n\n[bank]\n{bank}\n')
    return path


def test_configured_zip_limits_refuse_with_the_key_and_let_a_normal_zip_in(
    tmp_path: Path,
) -> None:
    config = _config(
        tmp_path, "zip_max_members = 2\nzip_max_unpacked_bytes = 8388608\nzip_max_ratio = 50"
    )
    assert dunmail(tmp_path, "--config", str(config), "init")["code"] == 0
    cases = {
        "three.zip": (spread_bomb(3, 1), "bank.zip_max_members = 2"),
        "big.zip": (spread_bomb(1, 12, noise=65536), "bank.zip_max_unpacked_bytes = 8388608"),
        "ratio.zip": (spread_bomb(1, 4), "bank.zip_max_ratio = 50"),
    }
    for name, (data, key) in cases.items():
        (tmp_path / name).write_bytes(data)
        result = dunmail(
            tmp_path, "--config", str(config), "statements", "import", str(tmp_path / name)
        )
        assert result["code"] == 1 and key in result["output"], (name, result["output"])
    (tmp_path / "good.zip").write_bytes(statement_zip())
    result = dunmail(
        tmp_path, "--config", str(config), "statements", "import", str(tmp_path / "good.zip")
    )
    assert result["code"] == 0, result["output"]
    statuses = [f["status"] for f in files(tmp_path / "office.db")]
    assert statuses == ["failed", "failed", "failed", "imported", "imported"]
