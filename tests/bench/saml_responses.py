#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# keygate SAML benchmark: pre-generated IdP-initiated logins.
#
#   saml_responses.py IDP_DIR IDP_BASE SP_ENTITY ACS SP_CERT N OUT
#
# The test IdP (tests/fixtures/idp: pysaml2, its key in IDP_DIR) signs one
# Response for the SP (unsolicited, valid for 30 minutes), then N copies
# with unique Response and assertion IDs and users (uid userNNNNNNNN) are
# signed again with the IdP key
# (xmlsec1, a thousand per run); OUT gets one urlencoded POST body
# (SAMLResponse=...) per line. Every login a benchmark posts is thus a new
# assertion, as a real IdP's would be.
import base64
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../fixtures/idp"))
import idp  # noqa: E402
from saml2.server import Server  # noqa: E402
from saml2.sigver import pre_signature_part  # noqa: E402


def template(d, base, sp, acs, sp_cert):
    with open(os.path.join(d, "sp-bench-%d.xml" % abs(hash(sp))), "w") as f:
        f.write(idp.sp_metadata(sp, acs, sp_cert))
    server = Server(config=idp.config(d, base, True))
    resp = server.create_authn_response(
        idp.DEMO, None, acs, sp, userid="demo",
        authn={"class_ref": idp.saml.AUTHN_PASSWORD_PROTECTED},
        sign_assertion=False, sign_response=False)
    return resp


def main():
    d, base, sp, acs, sp_cert, n, out = sys.argv[1:8]
    resp = template(d, base, sp, acs, sp_cert)
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1800))
    a = resp.assertion
    a.conditions.not_on_or_after = later
    a.subject.subject_confirmation[0].subject_confirmation_data.not_on_or_after = later
    rid, aid = resp.id, a.id
    a.signature = pre_signature_part(aid, server_cert(d), 1, sign_alg=idp.RSA_SHA256,
                                     digest_alg=idp.SHA256)
    xml = str(resp)
    key = os.path.join(d, "idp.key") + "," + os.path.join(d, "idp.crt")
    with open(out, "w") as o, tempfile.TemporaryDirectory() as t:
        for start in range(0, int(n), 1000):
            files = []
            for i in range(start, min(int(n), start + 1000)):
                path = os.path.join(t, "%d.xml" % i)
                with open(path, "w") as f:
                    f.write(xml.replace(aid, "_a%08d%s" % (i, aid[3:]))
                               .replace(rid, "_r%08d%s" % (i, rid[3:]))
                               .replace(">demo<", ">user%08d<" % i))
                files.append(path)
            signed = subprocess.run(
                ["/usr/bin/xmlsec1", "--sign", "--privkey-pem", key, "--id-attr:ID",
                 "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"] + files,
                capture_output=True, text=True, check=True).stdout
            for doc in signed.split("<?xml")[1:]:
                body = base64.b64encode(("<?xml" + doc).strip().encode()).decode()
                o.write(urllib.parse.urlencode({"SAMLResponse": body}) + "\n")
            for path in files:
                os.unlink(path)


def server_cert(d):
    with open(os.path.join(d, "idp.crt")) as f:
        return "".join(f.read().split("\n")[1:-2])


if __name__ == "__main__":
    main()
