"""``python -m vilvik`` and the ``vilvik-server`` console script: Flask's CLI bound to this app."""

from flask.cli import FlaskGroup

from . import create_app


def main() -> None:
    FlaskGroup(create_app=create_app, help="Vilvik server administration.")()


if __name__ == "__main__":
    main()
