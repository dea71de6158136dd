/* SPDX-License-Identifier: MIT */
/* DKIM public keys (RFC 6376 3.6.1, RFC 8463): tag lists, key records fetched from DNS, and whether a private key file is their pair. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "mail-internal.h"

char *mr_dkim_tag(const char *list, const char *tag)
{
	const char *p = list;
	size_t tl = strlen(tag);
	while (p && *p) {
		while (isspace((unsigned char)*p))
			p++;
		const char *eq = strchr(p, '=');
		const char *semi = strchr(p, ';');
		if (!eq || (semi && semi < eq)) {
			p = semi ? semi + 1 : NULL;
			continue;
		}
		size_t nl = (size_t)(eq - p);
		while (nl > 0 && isspace((unsigned char)p[nl - 1]))
			nl--;
		const char *vend = semi ? semi : eq + strlen(eq);
		if (nl == tl && strncmp(p, tag, tl) == 0) {
			char *out = malloc((size_t)(vend - eq) + 1);
			size_t o = 0;
			if (!out)
				return NULL;
			for (const char *v = eq + 1; v < vend; v++)
				if (!isspace((unsigned char)*v))
					out[o++] = *v;
			out[o] = 0;
			return out;
		}
		p = semi ? semi + 1 : NULL;
	}
	return NULL;
}

int mr_dkim_key_parse(const char *txt, struct mr_dkim_key *k)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->alg, sizeof(k->alg), "rsa");
	char *v = mr_dkim_tag(txt, "v"), *kk = mr_dkim_tag(txt, "k"), *p = mr_dkim_tag(txt, "p");
	char *t = mr_dkim_tag(txt, "t");
	int rc = -1;
	if (v && strcmp(v, "DKIM1") != 0) {
		snprintf(k->why, sizeof(k->why), "v=%s is not DKIM1", v);
		goto out;
	}
	if (kk)
		snprintf(k->alg, sizeof(k->alg), "%s", kk);
	if (t && (strcmp(t, "y") == 0 || strncmp(t, "y:", 2) == 0 || strstr(t, ":y")))
		k->testing = 1;
	if (!p) {
		snprintf(k->why, sizeof(k->why), "no p= tag (not a DKIM key record)");
		goto out;
	}
	if (!*p) {
		k->revoked = 1;
		rc = 0;
		goto out;
	}
	unsigned char *der = NULL;
	size_t der_len = 0;
	if (mr_base64_decode(p, strlen(p), &der, &der_len) != 0) {
		snprintf(k->why, sizeof(k->why), "p= is not base64");
		goto out;
	}
	EVP_PKEY *pk = NULL;
	if (strcmp(k->alg, "rsa") == 0) {
		const unsigned char *d = der;
		pk = d2i_PUBKEY(NULL, &d, (long)der_len);
		if (!pk) {
			d = der;
			pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &d, (long)der_len);
		}
		if (pk && EVP_PKEY_base_id(pk) != EVP_PKEY_RSA) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
		if (!pk)
			snprintf(k->why, sizeof(k->why), "p= is not an RSA public key");
	} else if (strcmp(k->alg, "ed25519") == 0) {
		if (der_len == 32)
			pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, der_len);
		if (!pk)
			snprintf(k->why, sizeof(k->why), "p= is not a 32-byte Ed25519 key (%zu bytes)",
				 der_len);
	} else {
		snprintf(k->why, sizeof(k->why), "unknown key type k=%s", k->alg);
	}
	free(der);
	k->pkey = pk;
	k->bits = pk ? EVP_PKEY_get_bits(pk) : 0;
	rc = pk ? 0 : -1;
out:
	free(v);
	free(kk);
	free(p);
	free(t);
	return rc;
}

void mr_dkim_key_free(struct mr_dkim_key *k)
{
	if (k->pkey)
		EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

int mr_dkim_key_fetch(struct mr_resolver *r, const char *selector, const char *domain,
		      struct mr_dkim_key *k, char *txt_r, size_t txt_size, char *why, size_t why_size)
{
	char name[512];
	memset(k, 0, sizeof(*k));
	if (txt_r && txt_size)
		txt_r[0] = 0;
	snprintf(name, sizeof(name), "%s._domainkey.%s", selector, domain);
	struct mr_dns_answer ans;
	int st = mr_dns_query(r, name, MR_DNS_TXT, &ans);
	if (st != MR_DNS_OK) {
		snprintf(why, why_size, "TXT %s: %s%s%s", name, mr_dns_status_name(ans.status),
			 ans.why[0] ? ": " : "", ans.why);
		mr_dns_answer_free(&ans);
		return st;
	}
	/* the first record that has a p= tag */
	size_t pick = 0;
	for (size_t i = 0; i < ans.n; i++) {
		char *p = mr_dkim_tag(ans.rr[i], "p");
		if (p) {
			free(p);
			pick = i;
			break;
		}
	}
	if (txt_r)
		snprintf(txt_r, txt_size, "%s", ans.rr[pick]);
	if (mr_dkim_key_parse(ans.rr[pick], k) != 0)
		snprintf(why, why_size, "TXT %s: %s", name, k->why);
	mr_dns_answer_free(&ans);
	return MR_DNS_OK;
}

int mr_dkim_key_matches(const struct mr_dkim_key *k, const char *key_file, char *why,
			size_t why_size)
{
	FILE *f = fopen(key_file, "r");
	if (!f) {
		snprintf(why, why_size, "cannot read the private key %s: %m", key_file);
		return -1;
	}
	EVP_PKEY *priv = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!priv) {
		snprintf(why, why_size, "%s is not a PEM private key", key_file);
		return -1;
	}
	int eq = k->pkey ? EVP_PKEY_eq(k->pkey, priv) : 0;
	EVP_PKEY_free(priv);
	return eq == 1 ? 1 : 0;
}
