# Debian packages: `make deb` builds teehost, libteehost0, libteehost-dev and
# teehost-sgx-enclave-common with dpkg-buildpackage from a copy of the tree under
# $(BUILD)/deb/ (dpkg-buildpackage writes its results next to the source, so the copy keeps
# them inside the build directory), then runs lintian on them.
DEPS_DEB := debhelper dpkg-dev fakeroot lintian adduser

.PHONY: deb
deb:
	$(Q)scripts/make-deb.sh $(abspath $(BUILD))/deb
