"""The Zendesk app as the zip Zendesk takes (``assist zendesk package``): the files under ``api/zendesk_app`` and
nothing else, with the service's host in ``domainWhitelist`` (Zendesk fills in a secure setting only for requests
to a listed domain). The zip is deterministic: the same files and URL give the same bytes."""

from __future__ import annotations

import io
import json
import zipfile
from importlib import resources
from urllib.parse import urlsplit

from matrix.errors import InvalidInput

FILES = (
    "manifest.json",
    "translations/en.json",
    "assets/iframe.html",
    "assets/app.js",
    "assets/app.css",
    "assets/zaf_sdk.js",
    "assets/zaf_sdk.LICENSE.txt",
)


def build_package(service_url: str) -> bytes:
    parts = urlsplit(service_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise InvalidInput(
            f"--service-url: {service_url!r} is not a URL like https://assist.example.com", "service_url"
        )
    root = resources.files("api").joinpath("zendesk_app")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in FILES:
            data = root.joinpath(name).read_bytes()
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["domainWhitelist"] = [parts.hostname]
                data = (json.dumps(manifest, indent=2) + "\n").encode()
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()
