/* SPDX-License-Identifier: MIT */
/*
 * EREPORT and EGETKEY of the simulated platform.
 *
 * Every key is AES-128-CMAC(platform key, key dependencies), the shape of the hardware's
 * derivation; the platform key comes from a 32-byte root secret kept in
 * $TEEHOST_SIM_STATE_DIR, else $XDG_STATE_HOME/teehost, else ~/.local/state/teehost, file
 * sim-platform.key (0600, created atomically on the first EINIT). Seal keys are therefore
 * stable across runs on the same account, and a report made by one enclave verifies in another
 * through EGETKEY(REPORT).
 *
 * Marking: the simulated platform is never confusable with hardware. Its CPUSVN is the 16
 * bytes "TEEHOST-SIM-CPU\x01" (th_sim_cpusvn); every REPORT carries it, every key derivation
 * includes the label "teehost-sim-key", and report KEYIDs begin with "TEEHOST-SIM". No
 * attestation service knows this CPUSVN, so a simulated report cannot pass for a real one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "sim/sim.h"
#include "util/file.h"
#include "util/state.h"

const uint8_t th_sim_cpusvn[16] = "TEEHOST-SIM-CPU\x01";

static uint8_t platform_key[16];
static uint8_t report_keyid[32];
static bool loaded;

void th_sim_cmac(const uint8_t key[16], const void *data, size_t len, uint8_t out[16])
{
	static EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	size_t outl = 16;

	if (!mac)
		mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	if (!ctx || !EVP_MAC_init(ctx, key, 16, params) || !EVP_MAC_update(ctx, data, len) ||
	    !EVP_MAC_final(ctx, out, &outl, 16))
		memset(out, 0, 16);     /* cannot happen with a working libcrypto */
	EVP_MAC_CTX_free(ctx);
}

int th_sim_root_secret(uint8_t out[32])
{
	char dir[4096], path[4200];
	uint8_t fresh[32];
	int fd, rc;
	ssize_t n;

	rc = th_state_dir(dir, sizeof(dir));
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/sim-platform.key", dir);
	for (int tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, out, 32);
			close(fd);
			return n == 32 ? 0 : -EINVAL;
		}
		if (errno != ENOENT)
			return -errno;
		rc = th_mkdirs(dir, 0700);
		if (rc)
			return rc;
		if (RAND_bytes(fresh, sizeof(fresh)) != 1)
			return -EIO;
		/* exclusive: when two processes race, the second reads the first one's file */
		rc = th_write_file_atomic(path, fresh, sizeof(fresh), 0600, 1, NULL);
		if (rc && rc != -EEXIST)
			return rc;
	}
	return -EIO;
}

int th_sim_keys_load(void)
{
	static const char label[] = "teehost-sim-platform-key";
	uint8_t root[32], half[16];
	int rc;

	if (loaded)
		return 0;
	rc = th_sim_root_secret(root);
	if (rc)
		return rc;
	th_sim_cmac(root, label, sizeof(label), platform_key);
	/* the report KEYID: marked, and fixed for the platform as CR_REPORT_KEYID is per boot */
	memcpy(report_keyid, "TEEHOST-SIM", 11);
	th_sim_cmac(root + 16, "report-keyid", 12, half);
	memcpy(report_keyid + 16, half, 16);
	memset(root, 0, sizeof(root));
	loaded = true;
	return 0;
}

/* Key dependencies, hashed by CMAC under the platform key. */
struct keydep {
	char label[16];
	uint16_t keyname;
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t cpusvn[16];
	uint64_t attributes;
	uint64_t xfrm;
	uint32_t miscselect;
	uint8_t mrenclave[32];
	uint8_t mrsigner[32];
	uint8_t keyid[32];
	uint8_t owner_epoch[16];
	uint8_t config_id[64];
	/* KSS identity, only with KEYPOLICY.ISVFAMILYID/ISVEXTPRODID: keys derived without them
	 * stay what they were before these fields existed (sealed data survives an upgrade) */
	uint8_t isv_family_id[16];
	uint8_t isv_ext_prod_id[16];
} __attribute__((packed));

static void derive(struct keydep *d, uint8_t key[16])
{
	static const uint8_t zero[32];
	size_t len = sizeof(*d);

	memcpy(d->label, "teehost-sim-key", 16);
	if (!memcmp(d->isv_family_id, zero, 32))
		len = offsetof(struct keydep, isv_family_id);
	th_sim_cmac(platform_key, d, len, key);
}

static void report_key(const uint8_t mrenclave[32], uint64_t attr, uint64_t xfrm, uint32_t misc,
		       uint16_t config_svn, const uint8_t keyid[32], uint8_t key[16])
{
	struct keydep d;

	memset(&d, 0, sizeof(d));
	d.keyname = SGX_KEY_REPORT;
	memcpy(d.mrenclave, mrenclave, 32);
	d.attributes = attr;
	d.xfrm = xfrm;
	d.miscselect = misc;
	d.config_svn = config_svn;
	memcpy(d.cpusvn, th_sim_cpusvn, 16);
	memcpy(d.keyid, keyid, 32);
	derive(&d, key);
}

int th_sim_ereport(struct th_sim_encl *e, const void *tiv, const void *rd, void *out)
{
	const struct sgx_targetinfo *ti = tiv;
	struct sgx_report r;
	uint8_t key[16];

	if (!loaded)
		return -13;
	memset(&r, 0, sizeof(r));
	memcpy(r.body.cpusvn, th_sim_cpusvn, 16);
	r.body.miscselect = e->secs.miscselect;
	r.body.attributes = e->secs.attributes;
	memcpy(r.body.mrenclave, e->mrenclave, 32);
	memcpy(r.body.mrsigner, e->mrsigner, 32);
	memcpy(r.body.config_id, e->secs.config_id, 64);
	r.body.isv_prod_id = e->isvprodid;
	r.body.isv_svn = e->isvsvn;
	memcpy(r.body.isv_family_id, e->isvfamilyid, 16);
	memcpy(r.body.isv_ext_prod_id, e->isvextprodid, 16);
	r.body.config_svn = e->secs.config_svn;
	memcpy(r.body.report_data, rd, 64);
	memcpy(r.keyid, report_keyid, 32);
	report_key(ti->mrenclave, ti->attributes.flags, ti->attributes.xfrm, ti->miscselect,
		   ti->config_svn, r.keyid, key);
	th_sim_cmac(key, &r.body, sizeof(r.body), r.mac);
	memcpy(out, &r, SGX_REPORT_SIZE);
	return 0;
}

static bool svn_greater(const uint8_t a[16], const uint8_t b[16])
{
	for (int i = 0; i < 16; i++)
		if (a[i] > b[i])
			return true;
	return false;
}

int th_sim_launch_key(const struct sgx_einittoken *tk, uint8_t key[16])
{
	struct keydep d;

	if (!loaded && th_sim_keys_load())
		return -EIO;
	memset(&d, 0, sizeof(d));
	d.keyname = SGX_KEY_EINITTOKEN;
	d.isv_prod_id = tk->isv_prod_id_le;
	d.isv_svn = tk->isv_svn_le;
	memcpy(d.cpusvn, tk->cpusvn_le, 16);
	d.attributes = tk->masked_attributes_le.flags;
	d.xfrm = tk->masked_attributes_le.xfrm;
	d.miscselect = tk->masked_miscselect_le;
	memcpy(d.keyid, tk->keyid, 32);
	derive(&d, key);
	return 0;
}

int th_sim_egetkey(struct th_sim_encl *e, const void *krv, void *out)
{
	const struct sgx_keyrequest *kr = krv;
	uint64_t attr = e->secs.attributes.flags;
	uint16_t pol = kr->keypolicy;
	struct keydep d;
	uint8_t key[16];

	if (!loaded)
		return -13;
	for (size_t i = 0; i < sizeof(kr->reserved2); i++)
		if (kr->reserved2[i])
			return -13;
	if (kr->reserved1 || (pol & ~0x3fu))
		return -13;
	if ((pol & (SGX_KEYPOLICY_CONFIGID | SGX_KEYPOLICY_ISVFAMILYID | SGX_KEYPOLICY_ISVEXTPRODID)) &&
	    !(attr & SGX_ATTR_KSS))
		return -13;
	if (kr->keyname > SGX_KEY_SEAL)
		return SGX_INVALID_KEYNAME;
	memset(&d, 0, sizeof(d));
	d.keyname = kr->keyname;
	if (kr->keyname == SGX_KEY_REPORT) {
		report_key(e->mrenclave, attr, e->secs.attributes.xfrm, e->secs.miscselect,
			   e->secs.config_svn, kr->keyid, key);
		memcpy(out, key, 16);
		return 0;
	}
	if ((kr->keyname == SGX_KEY_PROVISION || kr->keyname == SGX_KEY_PROVISION_SEAL) &&
	    !(attr & SGX_ATTR_PROVISIONKEY))
		return SGX_INVALID_ATTRIBUTE;
	if (kr->keyname == SGX_KEY_EINITTOKEN && !(attr & SGX_ATTR_EINITTOKENKEY))
		return SGX_INVALID_ATTRIBUTE;
	if (kr->isv_svn > e->isvsvn)
		return SGX_INVALID_ISVSVN;
	if (svn_greater(kr->cpusvn, th_sim_cpusvn))
		return SGX_INVALID_CPUSVN;
	d.isv_svn = kr->isv_svn;
	memcpy(d.cpusvn, kr->cpusvn, 16);
	/* DEBUG always takes part: a debug enclave never derives a production enclave's key */
	d.attributes = attr & (kr->attribute_mask.flags | SGX_ATTR_DEBUG | SGX_ATTR_INIT);
	d.xfrm = e->secs.attributes.xfrm & kr->attribute_mask.xfrm;
	d.miscselect = e->secs.miscselect & kr->miscmask;
	switch (kr->keyname) {
	case SGX_KEY_EINITTOKEN:
		d.isv_prod_id = e->isvprodid;
		memcpy(d.keyid, kr->keyid, 32);
		break;
	case SGX_KEY_PROVISION:
	case SGX_KEY_PROVISION_SEAL:
		memcpy(d.mrsigner, e->mrsigner, 32);
		d.isv_prod_id = e->isvprodid;
		if (kr->keyname == SGX_KEY_PROVISION_SEAL)
			memset(d.owner_epoch, 0, 16);
		break;
	case SGX_KEY_SEAL:
		if (pol & SGX_KEYPOLICY_MRENCLAVE)
			memcpy(d.mrenclave, e->mrenclave, 32);
		if (pol & SGX_KEYPOLICY_MRSIGNER)
			memcpy(d.mrsigner, e->mrsigner, 32);
		if (!(pol & SGX_KEYPOLICY_NOISVPRODID))
			d.isv_prod_id = e->isvprodid;
		if (pol & SGX_KEYPOLICY_CONFIGID) {
			memcpy(d.config_id, e->secs.config_id, 64);
			d.config_svn = kr->config_svn;
		}
		if (pol & SGX_KEYPOLICY_ISVFAMILYID)
			memcpy(d.isv_family_id, e->isvfamilyid, 16);
		if (pol & SGX_KEYPOLICY_ISVEXTPRODID)
			memcpy(d.isv_ext_prod_id, e->isvextprodid, 16);
		memcpy(d.keyid, kr->keyid, 32);
		break;
	}
	derive(&d, key);
	memcpy(out, key, 16);
	return 0;
}
