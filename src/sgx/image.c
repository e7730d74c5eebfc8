/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "sgx/flat.h"
#include "sgx/image.h"
#include "sgx/sdk.h"
#include "sgx/sgxs.h"
#include "sgx/sigstruct.h"

bool th_image_is_sigstruct(const uint8_t *data, size_t len)
{
	struct sgx_sigstruct ss;

	if (len != sizeof(ss))
		return false;
	memcpy(&ss, data, sizeof(ss));
	return th_sigstruct_has_headers(&ss);
}

enum th_plan_format th_image_detect(const uint8_t *data, size_t len)
{
	if (th_sgxs_detect(data, len))
		return TH_FORMAT_SGXS;
	if (th_elf_detect(data, len))
		return th_sdk_detect(data, len) ? TH_FORMAT_SDK : TH_FORMAT_ELF;
	return TH_FORMAT_UNKNOWN;
}

int th_image_build(const uint8_t *data, size_t len, const struct th_image_options *opts,
		   struct th_image *img, struct th_err *err)
{
	unsigned flags = opts ? opts->flags : 0;
	enum th_plan_format fmt;
	int ret;

	memset(img, 0, sizeof(*img));
	img->data = data;
	img->len = len;
	fmt = flags & TH_IMAGE_FLAT ? TH_FORMAT_FLAT : th_image_detect(data, len);
	th_plan_init(&img->plan, fmt);
	switch (fmt) {
	case TH_FORMAT_FLAT:
		ret = th_flat_plan_build(data, len, &img->plan, err);
		break;
	case TH_FORMAT_SGXS:
		ret = th_sgxs_plan_build(data, len, &img->plan, err);
		break;
	case TH_FORMAT_ELF:
		ret = th_elf_plan_build(data, len, opts ? &opts->elf : NULL, &img->plan, err);
		break;
	case TH_FORMAT_SDK:
		ret = th_sdk_plan_build(data, len, &img->plan, &img->sdk, err);
		break;
	default:
		ret = th_image_is_sigstruct(data, len)
			? th_fail(err, EINVAL, "format", "a SIGSTRUCT, not an enclave (see 'teehost show')")
			: th_fail(err, EINVAL, "format", "not an enclave ELF, SGX SDK .so or SGXS stream (use --flat for a flat image)");
		break;
	}
	if (!ret)
		ret = th_plan_finalize(&img->plan, err);
	if (ret) {
		th_plan_free(&img->plan);
		img->data = NULL;
		img->len = 0;
	}
	return ret;
}

int th_image_open(const char *path, const struct th_image_options *opts, struct th_image *img,
		  struct th_err *err)
{
	struct th_mapped_file f;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = th_map_file(path, &f, err);
	if (ret)
		return ret;
	ret = th_image_build(f.data, f.size, opts, img, err);
	if (ret) {
		th_unmap_file(&f);
		return ret;
	}
	img->file = f;
	return 0;
}

void th_image_close(struct th_image *img)
{
	th_plan_free(&img->plan);
	if (img->file.data)
		th_unmap_file(&img->file);
	memset(img, 0, sizeof(*img));
}
