"""How callbacks and the receiver suite check an ``https://`` receiver's certificate.

By default a certificate must verify against the system's trusted authorities, as it must for the
real platform. A development receiver often has a certificate of its own making (a local CA such as
mkcert's, or a self-signed one): ``ca_file`` adds that CA (PEM) to the trusted ones, and
``insecure`` turns verification off. A certificate that does not verify is an attempt that failed
to connect: recorded with the TLS error, and retried like any connection error.
"""

from __future__ import annotations

import ssl


def client_ssl(ca_file: str | None = None, insecure: bool = False) -> ssl.SSLContext | bool:
    """The ``ssl`` argument for aiohttp's connector: True (system trust), a context, or False.

    Raises ValueError, naming the file, when ``ca_file`` cannot be read as PEM certificates.
    """
    if insecure:
        return False
    if ca_file is None:
        return True
    context = ssl.create_default_context()
    try:
        context.load_verify_locations(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"cannot use {ca_file} as a CA file: {reason}") from None
    return context
