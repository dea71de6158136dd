/* SPDX-License-Identifier: MIT */
/* Status codes and the error record that every mailroom function fills on failure. */
#ifndef MAILROOM_ERROR_H
#define MAILROOM_ERROR_H

/* Functions return 0 (MR_OK) or one of these negative statuses. */
enum mr_status {
	MR_OK = 0,
	MR_ETEMP = -1,        /* temporary failure: try again later */
	MR_EPERMANENT = -2,   /* permanent failure: retrying will not help */
	MR_ECONFIG = -3,      /* configuration error */
	MR_ENOMEM = -4,       /* out of memory */
	MR_EUNSUPPORTED = -5, /* the operation is not supported by this plugin */
	MR_EINTERNAL = -6,    /* a bug or broken invariant */
	MR_ENOTFOUND = -7,    /* the object looked up does not exist */
	MR_EINPUT = -8        /* bad input data (a message, a file, an argument) */
};

#define MR_ERROR_MAX 512

/* A human-readable reason for a failed call; the caller decides what to log. */
struct mr_error {
	int status;
	char msg[MR_ERROR_MAX];
};

#endif
