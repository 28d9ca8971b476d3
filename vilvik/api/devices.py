"""The device authorization endpoints of ``vilvik login`` (RFC 8628). They take no API key.

Errors here follow RFC 8628 section 3.5 (``{"error": "authorization_pending", ...}``), as device
clients, the official SDK's among them, read them; every other endpoint uses the API envelope.
"""

from flask import Blueprint, jsonify, request, url_for

from ..services import devices
from .routing import public_base_url, route

bp = Blueprint("devices", __name__)


@route(bp, "/auth/device/code", methods=["POST"])
def code():
    started = devices.start(request.headers.get("User-Agent", ""))
    verification = public_base_url() + url_for("web.device.approve")
    return jsonify(
        device_code=started.device_code,
        user_code=started.user_code,
        verification_uri=verification,
        verification_uri_complete=f"{verification}?user_code={started.user_code}",
        expires_in=devices.EXPIRES_SECONDS,
        interval=devices.INTERVAL_SECONDS,
    )


DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _token_response(body: dict, status: int = 200):
    """Token answers are never cached (RFC 6749 section 5.1)."""
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@route(bp, "/auth/device/token", methods=["POST"])
def token():
    body = request.get_json(silent=True)
    fields = body if isinstance(body, dict) else request.form
    device_code, grant_type = fields.get("device_code"), fields.get("grant_type")
    # The official SDK sends no grant_type; one that is sent must be the device grant.
    if grant_type is not None and grant_type != DEVICE_GRANT:
        return _token_response({"error": "unsupported_grant_type",
                                "error_description": f"grant_type must be {DEVICE_GRANT}."}, 400)
    if not isinstance(device_code, str) or not device_code or len(device_code) > 200:
        return _token_response({"error": "invalid_request", "error_description": "device_code is required."}, 400)
    try:
        secret = devices.exchange(device_code)
    except devices.DeviceError as error:
        return _token_response({"error": error.code, "error_description": error.description}, 400)
    return _token_response({"api_key": secret, "access_token": secret, "token_type": "Bearer",
                            "scope": " ".join(devices.DEVICE_SCOPES)})
