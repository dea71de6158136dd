/* SPDX-License-Identifier: MIT */
/* Filling struct mr_error and mapping statuses to names and sysexits codes. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <sysexits.h>
#include "mr.h"

int mr_error_vset(struct mr_error *err, int status, const char *fmt, va_list ap)
{
	if (err) {
		err->status = status;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return status;
}

int mr_error_set(struct mr_error *err, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mr_error_vset(err, status, fmt, ap);
	va_end(ap);
	return status;
}

const char *mr_status_name(int status)
{
	switch (status) {
	case MR_OK: return "ok";
	case MR_ETEMP: return "temporary failure";
	case MR_EPERMANENT: return "permanent failure";
	case MR_ECONFIG: return "configuration error";
	case MR_ENOMEM: return "out of memory";
	case MR_EUNSUPPORTED: return "not supported";
	case MR_EINTERNAL: return "internal error";
	case MR_ENOTFOUND: return "not found";
	case MR_EINPUT: return "bad input";
	default: return "unknown status";
	}
}

int mr_status_exit_code(int status)
{
	switch (status) {
	case MR_OK: return EX_OK;
	case MR_ETEMP: return EX_TEMPFAIL;
	case MR_EPERMANENT: return EX_UNAVAILABLE;
	case MR_ECONFIG: return EX_CONFIG;
	case MR_ENOMEM: return EX_OSERR;
	case MR_EUNSUPPORTED: return EX_UNAVAILABLE;
	case MR_ENOTFOUND: return EX_NOINPUT;
	case MR_EINPUT: return EX_DATAERR;
	default: return EX_SOFTWARE;
	}
}
