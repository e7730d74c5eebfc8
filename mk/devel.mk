# What a program built against libteehost needs besides the headers the main install rule
# copies: the static library, libteehost.pc for pkg-config, and libteehost(3).
INSTALL_HOOKS += install-devel
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# Directories under PREFIX are written as ${prefix}/..., so `pkg-config --define-prefix` finds
# a moved tree (and the .pc names no build-time path twice).
pc_rel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

.PHONY: install-devel
install-devel: $(LIBA)
	install -d $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3
	install -m 0644 $(LIBA) $(DESTDIR)$(LIBDIR)/libteehost.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc_rel,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(call pc_rel,$(INCLUDEDIR))|' \
		-e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(LDLIBS)|' src/libteehost.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/libteehost.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/libteehost.pc
	install -m 0644 man/libteehost.3 $(DESTDIR)$(MANDIR)/man3/libteehost.3
