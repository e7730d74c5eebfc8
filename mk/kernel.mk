# Kernel pipeline (`teehost kernel config|verify|build|boot-test|deploy`): Debian
# packages it needs, installed data (profiles, recipes, the kconfig probe source, the
# Ansible role), and `make check-kernel`, the end-to-end tiny build -> package ->
# boot-test (a few minutes; see README "Kernels").

# linux-source/linux-config: the real tree and Debian's configs for the tests;
# qemu-utils, fdisk, openssh-client: what the lab VMs of tests/lab/ are made and driven
# with (qemu-img, sfdisk, ssh); the rest: what bindeb-pkg, the boot test and the deploy
# test run.
DEPS_KERNEL := linux-source-6.12 linux-config-6.12 qemu-system-x86 busybox-static ansible \
	debootstrap flex bison bc cpio kmod rsync fakeroot dpkg-dev debhelper libelf-dev libssl-dev \
	xz-utils patch jq python3 dwarves qemu-utils fdisk openssh-client

# The binary finds its data relative to itself: build/../kernel in a build tree,
# PREFIX/bin/../share/teehost/kernel installed (no prefix is compiled in).

INSTALL_HOOKS += install-kernel
.PHONY: check-kernel install-kernel kernel-tree

install-kernel:
	install -d $(DESTDIR)$(DATADIR)/teehost/kernel/profiles $(DESTDIR)$(DATADIR)/teehost/kernel/recipes \
		$(DESTDIR)$(DATADIR)/teehost/kernel/probe $(DESTDIR)$(DATADIR)/teehost/deploy/roles/teehost_kernel/tasks \
		$(DESTDIR)$(DATADIR)/teehost/deploy/roles/teehost_kernel/defaults $(DESTDIR)$(DATADIR)/teehost/ci-templates/github-actions \
		$(DESTDIR)$(DATADIR)/teehost/deploy/roles/teehost_kernel/files $(DESTDIR)$(DATADIR)/teehost/deploy/roles/teehost_kernel/meta
	install -m 0644 kernel/profiles/*.config $(DESTDIR)$(DATADIR)/teehost/kernel/profiles/
	install -m 0644 kernel/recipes/*.recipe $(DESTDIR)$(DATADIR)/teehost/kernel/recipes/
	install -m 0644 kernel/probe/kconfig-probe.c $(DESTDIR)$(DATADIR)/teehost/kernel/probe/
	install -m 0755 kernel/tree-cache.sh $(DESTDIR)$(DATADIR)/teehost/kernel/
	install -m 0644 deploy/*.yml $(DESTDIR)$(DATADIR)/teehost/deploy/
	install -m 0644 deploy/roles/teehost_kernel/tasks/*.yml $(DESTDIR)$(DATADIR)/teehost/deploy/roles/teehost_kernel/tasks/
	install -m 0644 deploy/roles/teehost_kernel/meta/main.yml $(DESTDIR)$(DATADIR)/teehost/deploy/roles/teehost_kernel/meta/
	install -m 0755 deploy/roles/teehost_kernel/files/gate.sh $(DESTDIR)$(DATADIR)/teehost/deploy/roles/teehost_kernel/files/
	install -m 0644 deploy/roles/teehost_kernel/defaults/main.yml $(DESTDIR)$(DATADIR)/teehost/deploy/roles/teehost_kernel/defaults/
	install -m 0644 ci-templates/github-actions/kernel.yml $(DESTDIR)$(DATADIR)/teehost/ci-templates/github-actions/

# Print (extracting once, cached by hash) Debian's 6.12 source tree.
kernel-tree:
	$(Q)kernel/tree-cache.sh

# End to end: tiny SGX kernel config -> build (.debs, tarball, manifest) -> boot-test
# pass; a kernel built without X86_SGX must fail its boot verdict. Prints its time.
check-kernel: SHELL := /bin/bash
check-kernel: deps all
	$(Q)start=$$(date +%s); \
	TEEHOST_KERNEL_E2E=1 BUILD=$(abspath $(BUILD)) TEEHOST=$(abspath $(CLI)) \
		bash tests/cli/kernel_e2e.sh | tee $(BUILD)/check-kernel.tap; rc=$${PIPESTATUS[0]}; \
	p=$$(grep -c '^ok' $(BUILD)/check-kernel.tap); f=$$(grep -c '^not ok' $(BUILD)/check-kernel.tap); \
	echo "check-kernel: $$(( $$(date +%s) - start )) s"; \
	echo "$$p passed, $$f failed"; exit $$rc
