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


@route(bp, "/auth/device/token", methods=["POST"])
def token():
    body = request.get_json(silent=True)
    device_code = body.get("device_code") if isinstance(body, dict) else None
    if not isinstance(device_code, str) or not device_code or len(device_code) > 200:
        device_code = request.form.get("device_code", "")
    if not device_code:
        return jsonify(error="invalid_request", error_description="device_code is required."), 400
    try:
        secret = devices.exchange(device_code)
    except devices.DeviceError as error:
        return jsonify(error=error.code, error_description=error.description), 400
    return jsonify(api_key=secret, access_token=secret, token_type="Bearer", scope=" ".join(devices.DEVICE_SCOPES))
