"""Statement zips: the files inside an archive, one at a time, refusing anything that
unpacks out of proportion (bank.zip_max_*) — measured while unpacking, never taken from a
member's header."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from daemon.config import BankSettings

# Zip bombs: the defaults of bank.zip_max_*; what a member may unpack to is measured while it
# is unpacked, never taken from its header.
MAX_ZIP_MEMBERS = 200
MAX_ZIP_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # bank XML compresses ~10-30x; 200x is a bomb
_RATIO_FLOOR = 1024 * 1024  # tiny members may compress extremely well
_CHUNK = 1024 * 1024


class StatementError(Exception):
    """A statement input that cannot be imported; the message says which and why."""


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """How far a statement zip may unpack (bank.zip_max_*)."""

    members: int = MAX_ZIP_MEMBERS
    total_bytes: int = MAX_ZIP_TOTAL_BYTES
    ratio: int = MAX_RATIO

    @classmethod
    def of(cls, settings: BankSettings) -> ZipLimits:
        return cls(
            settings.zip_max_members, settings.zip_max_unpacked_bytes, settings.zip_max_ratio
        )


def unzip_members(data: bytes, limits: ZipLimits | None = None) -> Iterator[tuple[str, bytes]]:
    """The files inside a zip archive, one at a time, refusing anything that unpacks out of
    proportion. The whole archive is checked first, as a stream of 1 MiB chunks that are
    counted and dropped, so a refusal comes before any member is imported; then each member
    is unpacked when it is asked for. Memory: about one member, at most ``total_bytes``."""
    limits = limits or ZipLimits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise StatementError(f"broken zip archive: {exc}") from exc
    if len(infos) > limits.members:
        raise StatementError(
            f"zip archive holds {len(infos)} files, more than bank.zip_max_members ="
            f" {limits.members}"
        )
    total = 0
    for info in infos:
        total += _measure(archive, info, limits, limits.total_bytes - total)
    return _members(archive, infos, limits)


def _member_limit(info: zipfile.ZipInfo, limits: ZipLimits) -> tuple[int, str]:
    by_ratio = max(_RATIO_FLOOR, info.compress_size * limits.ratio)
    if by_ratio < limits.total_bytes:
        return by_ratio, f"bank.zip_max_ratio = {limits.ratio}"
    return limits.total_bytes, f"bank.zip_max_unpacked_bytes = {limits.total_bytes}"


def _measure(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits, left: int) -> int:
    """The bytes a member really unpacks to, read and dropped chunk by chunk; refused as soon
    as it passes its own limit or what is left of the archive's."""
    limit, key = _member_limit(info, limits)
    if left < limit:
        limit, key = left, f"bank.zip_max_unpacked_bytes = {limits.total_bytes} in total"
    if info.file_size > limit:  # an honest header saves the unpacking
        raise _too_big(info, key)
    size = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_big(info, key)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as exc:
        raise StatementError(f"zip member {info.filename} cannot be read: {exc}") from exc
    return size


def _too_big(info: zipfile.ZipInfo, key: str) -> StatementError:
    return StatementError(
        f"zip member {info.filename} ({info.compress_size} bytes packed) unpacks beyond"
        f" {key}: refused as a possible zip bomb; raise the limit if the file is genuine"
    )


def _members(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: ZipLimits
) -> Iterator[tuple[str, bytes]]:
    for info in infos:
        limit, key = _member_limit(info, limits)
        try:
            with archive.open(info) as handle:
                # Measured above; a bounded read all the same.
                content = handle.read(limit + 1)
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as exc:
            raise StatementError(f"zip member {info.filename} cannot be read: {exc}") from exc
        if len(content) > limit:
            raise _too_big(info, key)
        yield info.filename, content
