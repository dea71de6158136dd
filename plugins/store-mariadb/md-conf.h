/* SPDX-License-Identifier: MIT */
/* The MariaDB store's typed configuration, filled by the core from [store-mariadb] (see store-mariadb.c for the keys). */
#ifndef MD_CONF_H
#define MD_CONF_H

struct mariadb_conf {
	const char *host;
	long long port;
	const char *socket;
	const char *database;
	const char *user;
	const char *tls;
	const char *ca_file;
	long long connect_timeout;
	long long io_timeout;
	long long lock_wait_timeout;
	long long retries;
	long long pool;
	long long build_part;
};

#endif
