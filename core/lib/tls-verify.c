/* SPDX-License-Identifier: MIT */
/* Verifying a TLS peer's certificate chain with OpenSSL, for plugins whose TLS library does not (libetpan). */
#include "config.h"
#include <string.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include "mr.h"

static int is_ip_literal(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int mr_tls_verify_chain(const unsigned char *const *der, const size_t *der_len, size_t n,
			const char *host, const char *ca_file, struct mr_error *err)
{
	if (n == 0)
		return mr_error_set(err, MR_EPERMANENT, "the server sent no certificate");
	int rc = MR_EPERMANENT;
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509 *leaf = NULL;
	if (!store || !ctx || !untrusted) {
		rc = mr_error_set(err, MR_ENOMEM, "out of memory");
		goto out;
	}
	if (ca_file && *ca_file) {
		if (X509_STORE_load_locations(store, ca_file, NULL) != 1) {
			unsigned long e = ERR_peek_last_error();
			rc = mr_error_set(err, MR_ECONFIG, "cannot load CA certificates from %s: %s",
					  ca_file, e ? ERR_reason_error_string(e) : "no certificate");
			goto out;
		}
	} else if (X509_STORE_set_default_paths(store) != 1) {
		rc = mr_error_set(err, MR_ECONFIG, "cannot load the system's CA certificates");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = der[i];
		X509 *x = d2i_X509(NULL, &p, (long)der_len[i]);
		if (!x) {
			rc = mr_error_set(err, MR_EPERMANENT,
					  "certificate %zu of the server's chain cannot be parsed", i);
			goto out;
		}
		if (i == 0)
			leaf = x;
		else if (!sk_X509_push(untrusted, x)) {
			X509_free(x);
			rc = mr_error_set(err, MR_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1) {
		rc = mr_error_set(err, MR_ENOMEM, "cannot set up certificate verification");
		goto out;
	}
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
	if (host && *host) {
		int set = is_ip_literal(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host)
					      : X509_VERIFY_PARAM_set1_host(param, host, 0);
		if (set != 1) {
			rc = mr_error_set(err, MR_EINTERNAL, "cannot check the name %s", host);
			goto out;
		}
	}
	if (X509_verify_cert(ctx) == 1) {
		rc = 0;
	} else {
		int e = X509_STORE_CTX_get_error(ctx);
		char subject[256] = "";
		X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof(subject));
		rc = mr_error_set(err, MR_EPERMANENT,
				  "certificate of %s not trusted: %s (subject %s; trusted CAs: %s)",
				  host ? host : "the server", X509_verify_cert_error_string(e),
				  subject, ca_file && *ca_file ? ca_file : "the system store");
	}
out:
	ERR_clear_error();
	X509_free(leaf);
	sk_X509_pop_free(untrusted, X509_free);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}
