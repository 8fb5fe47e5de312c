"""The ``ssl`` module of a sandbox whose host makes the TLS connections: componentize-py's
CPython has no ``_ssl``, and needs none, since the host speaks TLS for every ``https`` request
it sends (rustls, the Mozilla roots and the operator's CA file; the certificate is checked
against the name, always). This module keeps the standard API that HTTP libraries configure
(``SSLContext``, the constants, the errors) so that they import and run unchanged, and
``wrap_socket`` only marks a ``lambda_wasm.sockets`` connection as TLS, for the host to do it.

What cannot be honoured says so rather than pretending: client certificates are refused, and a
context that turns verification off still gets a verified connection (the host decides).
``install`` makes it the interpreter's ``ssl``, in the component only.
"""

import enum
import sys
from typing import Any, List, Optional

# What libraries print or compare: it names what does the work.
OPENSSL_VERSION = "OpenSSL 3.0.0 compatible (TLS by the lambda-wasm host, rustls)"
OPENSSL_VERSION_INFO = (3, 0, 0, 0, 0)
OPENSSL_VERSION_NUMBER = 0x30000000
HAS_SNI = True
HAS_ALPN = True
HAS_ECDH = True
HAS_NPN = False
HAS_NEVER_CHECK_COMMON_NAME = True
HAS_TLSv1 = False
HAS_TLSv1_1 = False
HAS_TLSv1_2 = True
HAS_TLSv1_3 = True
HAS_SSLv2 = False
HAS_SSLv3 = False
HAS_PSK = False
HAS_PHA = False
CHANNEL_BINDING_TYPES: List[str] = []
_DEFAULT_CIPHERS = "DEFAULT"


class _SSLMethod(enum.IntEnum):
    PROTOCOL_TLSv1 = 3
    PROTOCOL_TLSv1_1 = 4
    PROTOCOL_TLSv1_2 = 5
    PROTOCOL_TLS = 2
    PROTOCOL_TLS_CLIENT = 16
    PROTOCOL_TLS_SERVER = 17


PROTOCOL_TLSv1 = _SSLMethod.PROTOCOL_TLSv1
PROTOCOL_TLSv1_1 = _SSLMethod.PROTOCOL_TLSv1_1
PROTOCOL_TLSv1_2 = _SSLMethod.PROTOCOL_TLSv1_2
PROTOCOL_TLS = PROTOCOL_SSLv23 = _SSLMethod.PROTOCOL_TLS
PROTOCOL_TLS_CLIENT = _SSLMethod.PROTOCOL_TLS_CLIENT
PROTOCOL_TLS_SERVER = _SSLMethod.PROTOCOL_TLS_SERVER


class Options(enum.IntFlag):
    OP_ALL = 0x80000050
    OP_NO_SSLv2 = 0
    OP_NO_SSLv3 = 0x2000000
    OP_NO_TLSv1 = 0x4000000
    OP_NO_TLSv1_1 = 0x10000000
    OP_NO_TLSv1_2 = 0x8000000
    OP_NO_TLSv1_3 = 0x20000000
    OP_CIPHER_SERVER_PREFERENCE = 0x400000
    OP_SINGLE_DH_USE = 0
    OP_SINGLE_ECDH_USE = 0
    OP_NO_COMPRESSION = 0x20000
    OP_NO_TICKET = 0x4000
    OP_NO_RENEGOTIATION = 0x40000000
    OP_ENABLE_MIDDLEBOX_COMPAT = 0x100000
    OP_IGNORE_UNEXPECTED_EOF = 0x80
    OP_LEGACY_SERVER_CONNECT = 0x4
    OP_ENABLE_KTLS = 0x8


globals().update(Options.__members__)


class VerifyMode(enum.IntEnum):
    CERT_NONE = 0
    CERT_OPTIONAL = 1
    CERT_REQUIRED = 2


CERT_NONE = VerifyMode.CERT_NONE
CERT_OPTIONAL = VerifyMode.CERT_OPTIONAL
CERT_REQUIRED = VerifyMode.CERT_REQUIRED


class VerifyFlags(enum.IntFlag):
    VERIFY_DEFAULT = 0
    VERIFY_CRL_CHECK_LEAF = 0x4
    VERIFY_CRL_CHECK_CHAIN = 0xC
    VERIFY_X509_STRICT = 0x20
    VERIFY_ALLOW_PROXY_CERTS = 0x40
    VERIFY_X509_TRUSTED_FIRST = 0x8000
    VERIFY_X509_PARTIAL_CHAIN = 0x80000


globals().update(VerifyFlags.__members__)


class TLSVersion(enum.IntEnum):
    MINIMUM_SUPPORTED = -2
    MAXIMUM_SUPPORTED = -1
    SSLv3 = 0x300
    TLSv1 = 0x301
    TLSv1_1 = 0x302
    TLSv1_2 = 0x303
    TLSv1_3 = 0x304


class Purpose(enum.Enum):
    SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
    CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"


class SSLError(OSError):
    """A TLS failure; the host's, for a connection it made."""

    library = "lambda-wasm"
    reason = None


class SSLZeroReturnError(SSLError):
    pass


class SSLWantReadError(SSLError):
    pass


class SSLWantWriteError(SSLError):
    pass


class SSLSyscallError(SSLError):
    pass


class SSLEOFError(SSLError):
    pass


class SSLCertVerificationError(SSLError, ValueError):
    verify_code = 0
    verify_message = "the host could not verify the certificate"


CertificateError = SSLCertVerificationError
socket_error = OSError


class DefaultVerifyPaths:
    cafile = None
    capath = None
    openssl_cafile_env = "SSL_CERT_FILE"
    openssl_cafile = ""
    openssl_capath_env = "SSL_CERT_DIR"
    openssl_capath = ""


def get_default_verify_paths() -> DefaultVerifyPaths:
    return DefaultVerifyPaths()


class SSLContext:
    """A client context: its settings are kept for libraries to read back; the host's TLS
    applies whatever they are (see the module)."""

    sslsocket_class: Any = None
    sslobject_class: Any = None

    def __init__(self, protocol: int = PROTOCOL_TLS_CLIENT, *args: Any, **kwargs: Any) -> None:
        self.protocol = protocol
        self.verify_mode = CERT_REQUIRED
        self.check_hostname = True
        self.options = Options.OP_ALL | Options.OP_NO_SSLv3
        self.verify_flags = VerifyFlags.VERIFY_X509_TRUSTED_FIRST
        self.minimum_version = TLSVersion.TLSv1_2
        self.maximum_version = TLSVersion.MAXIMUM_SUPPORTED
        self.post_handshake_auth = None
        self.hostname_checks_common_name = False
        self.keylog_filename = None
        self.sni_callback = None
        self.security_level = 2

    def load_verify_locations(self, cafile: Any = None, capath: Any = None, cadata: Any = None) -> None:
        """The host trusts the Mozilla roots and the operator's CA file: a bundle given here
        (certifi's, botocore's) changes nothing."""

    def load_default_certs(self, purpose: Purpose = Purpose.SERVER_AUTH) -> None:
        pass

    def set_default_verify_paths(self) -> None:
        pass

    def load_cert_chain(self, certfile: Any, keyfile: Any = None, password: Any = None) -> None:
        raise SSLError(95, "client certificates are not supported: the host makes the TLS connection")

    def set_ciphers(self, ciphers: str) -> None:
        pass

    def get_ciphers(self) -> list:
        return []

    def set_alpn_protocols(self, protocols: List[str]) -> None:
        self._alpn = list(protocols)

    def set_npn_protocols(self, protocols: List[str]) -> None:
        pass

    def set_ecdh_curve(self, name: str) -> None:
        pass

    def get_ca_certs(self, binary_form: bool = False) -> list:
        return []

    def cert_store_stats(self) -> dict:
        return {"x509": 0, "crl": 0, "x509_ca": 0}

    def session_stats(self) -> dict:
        return {}

    def wrap_socket(self, sock: Any, server_side: bool = False, do_handshake_on_connect: bool = True, suppress_ragged_eofs: bool = True, server_hostname: Optional[str] = None, session: Any = None) -> Any:
        """``sock`` (a ``lambda_wasm.sockets`` connection), marked for the host to make TLS."""
        if server_side:
            raise SSLError(95, "the sandbox serves no TLS")
        if not hasattr(sock, "tls"):
            raise SSLError(95, "only the sandbox's HTTP connections can be wrapped: the host makes the TLS connection")
        sock.tls = True
        sock.server_hostname = server_hostname
        sock.__class__ = SSLSocket
        return sock

    def wrap_bio(self, *args: Any, **kwargs: Any) -> Any:
        raise SSLError(95, "TLS over a memory BIO is not supported: the host makes the TLS connection")


def _socket_base() -> type:
    from lambda_wasm.sockets import HttpSocket

    return HttpSocket


class SSLSocket(_socket_base()):  # type: ignore[misc]
    """A connection the host makes TLS; ``SSLContext.wrap_socket`` gives one."""

    def do_handshake(self, block: bool = False) -> None:
        pass

    def getpeercert(self, binary_form: bool = False) -> Any:
        # The host checked the certificate against this name; its contents stay there.
        if binary_form:
            return b""
        name = self.server_hostname or ""
        return {"subject": ((("commonName", name),),), "subjectAltName": (("DNS", name),)}

    def version(self) -> str:
        return "TLSv1.3"

    def cipher(self) -> Any:
        return None

    def shared_ciphers(self) -> Any:
        return None

    def compression(self) -> None:
        return None

    def selected_alpn_protocol(self) -> str:
        return "http/1.1"

    def selected_npn_protocol(self) -> None:
        return None

    def pending(self) -> int:
        return 0

    def unwrap(self) -> Any:
        return self

    def get_channel_binding(self, cb_type: str = "tls-unique") -> None:
        return None


class SSLObject:
    """Present for ``isinstance`` checks; TLS objects are the host's."""


class MemoryBIO:
    def __init__(self) -> None:
        raise SSLError(95, "TLS over a memory BIO is not supported: the host makes the TLS connection")


class SSLSession:
    pass


SSLContext.sslsocket_class = SSLSocket
SSLContext.sslobject_class = SSLObject


def create_default_context(purpose: Purpose = Purpose.SERVER_AUTH, *, cafile: Any = None, capath: Any = None, cadata: Any = None) -> SSLContext:
    return SSLContext(PROTOCOL_TLS_CLIENT)


def _create_unverified_context(*args: Any, **kwargs: Any) -> SSLContext:
    context = SSLContext(PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = CERT_NONE
    return context


_create_default_https_context = create_default_context
_create_stdlib_context = _create_unverified_context


def match_hostname(cert: Any, hostname: str) -> None:
    """The host checked the name when it connected."""


def cert_time_to_seconds(cert_time: str) -> int:
    import calendar
    import time

    return calendar.timegm(time.strptime(cert_time, "%b %d %H:%M:%S %Y GMT"))


def DER_cert_to_PEM_cert(der_cert_bytes: bytes) -> str:
    import base64
    import textwrap

    body = textwrap.fill(base64.standard_b64encode(der_cert_bytes).decode("ascii"), 64)
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


def PEM_cert_to_DER_cert(pem_cert_string: str) -> bytes:
    import base64

    body = pem_cert_string.strip().removeprefix("-----BEGIN CERTIFICATE-----").removesuffix("-----END CERTIFICATE-----")
    return base64.decodebytes(body.encode("ascii"))


def get_server_certificate(*args: Any, **kwargs: Any) -> str:
    raise SSLError(95, "certificates are the host's: it makes the TLS connection")


def RAND_bytes(n: int) -> bytes:
    import os

    return os.urandom(n)


def RAND_status() -> bool:
    return True


def RAND_add(data: Any, entropy: float) -> None:
    pass


def install() -> None:
    """Makes this module the interpreter's ``ssl``, before any library imports it."""
    sys.modules["ssl"] = sys.modules[__name__]
