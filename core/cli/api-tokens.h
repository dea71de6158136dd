/* SPDX-License-Identifier: MIT */
/* Bearer tokens of the read-only JSON API: made by `mailroom token create`, kept hashed in [http] api_tokens_file, checked by `mailroom serve`. */
#ifndef MR_API_TOKENS_H
#define MR_API_TOKENS_H

#include <stddef.h>

/* Length of a token: "mrt_" and 43 base64url characters (32 random bytes). */
#define MR_API_TOKEN_LEN 47

/* The SHA-256 of token in hex (65 bytes with the NUL). */
void mr_api_token_hash(const char *token, char out[65]);
/* Finds token's user in the tokens file path (lines "HASH USER CREATED").
 * Returns 0 with user (size n), MR_ENOTFOUND, or MR_ECONFIG when the file is
 * missing or readable by others. */
int mr_api_token_user(const char *path, const char *token, char *user, size_t n);

#endif
