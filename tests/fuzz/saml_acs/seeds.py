#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# keygate fuzz fixtures: makes the fixed world of fuzz_saml_acs.c once: an
# IdP (its metadata here, its key thrown away), the SP's key and
# certificate, and seed Responses in tests/fuzz/corpus/saml_acs/: one the
# IdP signed for the SP at the target's fixed time, one with the assertion
# encrypted, and tests/fixtures/idp/mutate.py's cases applied to it.
# usage: seeds.py   (from the repository's top; needs python3-pysaml2, xmlsec1)
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "../../.."))
CORPUS = os.path.join(TOP, "tests/fuzz/corpus/saml_acs")
sys.path.insert(0, os.path.join(TOP, "tests/fixtures/idp"))
import idp  # noqa: E402  (the test IdP's configuration)
from saml2.server import Server  # noqa: E402

SP = "https://sp.example/keygate/saml/corp/metadata"
ACS = "https://sp.example/keygate/saml/corp/acs"
IDP = "https://idp.example"
REQUEST = "_kgfuzzrequest"


def cert(path, cn):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "36500",
                    "-subj", "/CN=" + cn, "-keyout", path + ".key", "-out", path + ".crt"],
                   check=True, capture_output=True)


def main():
    d = tempfile.mkdtemp()
    try:
        cert(d + "/idp", "keygate-fuzz-idp")
        cert(d + "/att", "keygate-fuzz-idp")
        if not os.path.exists(HERE + "/sp.key"):
            cert(HERE + "/sp", "keygate-fuzz-sp")
        shutil.copy(HERE + "/sp.crt", d + "/sp.crt")
        with open(d + "/sp.xml", "w") as f:
            f.write(idp.sp_metadata(SP, ACS, HERE + "/sp.crt"))
        with open(HERE + "/idp-metadata.xml", "w") as f:
            from saml2.metadata import create_metadata_string
            f.write(create_metadata_string(None, config=idp.config(d, IDP, False),
                                           sign=False).decode())
        server = Server(config=idp.config(d, IDP, True))
        os.makedirs(CORPUS, exist_ok=True)
        for name, extra in (("response.xml", {}),
                            ("encrypted.xml", idp.encryption(d, "encrypted"))):
            xml = str(server.create_authn_response(
                idp.DEMO, REQUEST, ACS, SP, userid="demo",
                authn={"class_ref": idp.saml.AUTHN_PASSWORD_PROTECTED},
                sign_assertion=True, sign_response=False,
                sign_alg=idp.RSA_SHA256, digest_alg=idp.SHA256, **extra))
            with open(os.path.join(CORPUS, name), "w") as f:
                f.write(xml)
        form = d + "/base.form"
        with open(form, "w") as f:
            f.write(urllib.parse.urlencode({"SAMLResponse": base64.b64encode(
                open(os.path.join(CORPUS, "response.xml"), "rb").read()).decode()}))
        cases = subprocess.run([sys.executable, TOP + "/tests/fixtures/idp/mutate.py", "list"],
                               capture_output=True, text=True, check=True).stdout.split()
        for case in cases:
            if case in ("many-attribute-values", "ok"):
                continue
            out = d + "/m"
            subprocess.run([sys.executable, TOP + "/tests/fixtures/idp/mutate.py", case,
                            d + "/base", out, d], check=True)
            shutil.copy(out + ".xml", os.path.join(CORPUS, case + ".xml"))
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()
