"""The one build step setup.cfg cannot say: the Italian catalogue is compiled into the
wheel (messages.mo), so `pip install .` gives a hub that speaks Italian without pybabel.
Editable installs (`make`) compile it in place with `make translations` instead."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in Path("corete", "translations").glob("*/LC_MESSAGES/messages.po"):
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file, locale=po_path.parts[-3])
            target = Path(self.build_lib, po_path.with_suffix(".mo"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as mo_file:
                write_mo(mo_file, catalogue)


setup(cmdclass={"build_py": BuildWithCatalogues})
