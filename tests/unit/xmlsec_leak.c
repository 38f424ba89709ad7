/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: a fixed copy of one xmlsec1 function, for the test
 * processes only.
 *
 * xmlsec1 1.2.37 (Debian 12) leaks a BIO each time it cannot open a file:
 * its xmlSecOpenSSLCreateReadFileBio returns NULL after a failed
 * BIO_read_filename without freeing the BIO (136 + 56 bytes). lasso
 * tries the SP certificate, which keygate hands it as PEM text
 * (gateway/proto/saml/sp.c, lasso_server_new_from_buffers), as a file
 * name first each time it signs a redirect (AuthnRequest, LogoutRequest,
 * LogoutResponse), so every signature leaks outside keygate, in httpd
 * too. libxmlsec1-openssl calls the function through its PLT, so this
 * definition in the test executable takes its place, and LeakSanitizer
 * still sees every leak of keygate's own. No library context: lasso sets
 * none (xmlSecOpenSSLGetLibCtx() is NULL).
 */
#include <openssl/bio.h>

__attribute__((visibility("default"))) BIO *
xmlSecOpenSSLCreateReadFileBio(const char *path);

__attribute__((visibility("default"))) BIO *
xmlSecOpenSSLCreateReadFileBio(const char *path)
{
	BIO *bio = path ? BIO_new(BIO_s_file()) : NULL;

	if (bio && BIO_read_filename(bio, path) != 1) {
		BIO_free_all(bio);
		bio = NULL;
	}
	return bio;
}
