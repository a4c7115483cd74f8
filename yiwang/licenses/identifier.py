"""License identifiers per GB/T 36904 (电子证照标识):

    1.2.156.3005.2.<license type code, 21 chars>.<issuer USCC, 18 chars>.<serial>.<version, 3 digits>.<check>

The check character is ISO/IEC 7064 MOD 37,36 (a hybrid system over the 36 characters 0-9A-Z) computed over
type code + issuer code + serial + version, so a mistyped identifier is caught before any lookup. The check
uses python-stdnum's implementation of the ISO 7064 systems.
"""

from __future__ import annotations

import re

from stdnum.iso7064 import mod_37_36

PREFIX = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TYPE_CODE_LENGTH = 21
SERIAL_DIGITS = 8
_SHAPE = re.compile(r"^1\.2\.156\.3005\.2\.([0-9A-Z]{21})\.([0-9A-Z]{18})\.([0-9A-Z]{1,20})\.(\d{3})\.([0-9A-Z])$")


class IdentifierError(ValueError):
    pass


def check_character(payload: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character of ``payload`` (characters 0-9A-Z)."""
    payload = payload.upper()
    if not payload or any(ch not in ALPHABET for ch in payload):
        raise IdentifierError("payload must be characters of 0-9A-Z")
    return str(mod_37_36.calc_check_digit(payload, ALPHABET))


def make(type_code: str, issuer_code: str, serial: int, version: int = 1) -> str:
    type_code, issuer_code = type_code.upper(), issuer_code.upper()
    if len(type_code) != TYPE_CODE_LENGTH or any(c not in ALPHABET for c in type_code):
        raise IdentifierError("license type code must be 21 characters of 0-9A-Z")
    if len(issuer_code) != 18 or any(c not in ALPHABET for c in issuer_code):
        raise IdentifierError("issuer code must be an 18-character unified social credit code")
    if not 0 < serial < 10**SERIAL_DIGITS or not 0 < version < 1000:
        raise IdentifierError("serial or version out of range")
    body = f"{serial:0{SERIAL_DIGITS}d}"
    ver = f"{version:03d}"
    return f"{PREFIX}.{type_code}.{issuer_code}.{body}.{ver}.{check_character(type_code + issuer_code + body + ver)}"


def problem(identifier: str) -> str | None:
    """Why ``identifier`` is not a well-formed GB/T 36904 identifier (in Chinese), or None."""
    m = _SHAPE.match(identifier.strip().upper())
    if m is None:
        return "证照标识格式不正确"
    type_code, issuer, serial, version, check = m.groups()
    if check_character(type_code + issuer + serial + version) != check:
        return "证照标识校验位不正确"
    return None
