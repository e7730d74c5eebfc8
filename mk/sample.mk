# The sample enclave: freestanding C + asm entry stub + linker script -> $(BUILD)/sample.elf,
# installed as $(DATADIR)/teehost/sample.elf. Never built with the sanitizers or the host's
# CFLAGS: it runs inside an enclave with no libc and no runtime.
SAMPLE_ELF := $(BUILD)/sample.elf
SAMPLE_SRC := enclaves/sample/entry.S enclaves/sample/sample.c
SAMPLE_LDS := enclaves/sample/sample.lds
SAMPLE_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -nostdlib -ffreestanding \
	-static -fPIE -fvisibility=hidden -fno-stack-protector -fno-builtin -mgeneral-regs-only \
	-mno-red-zone -fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
	-fno-jump-tables
SAMPLE_LDFLAGS := -Wl,-T,$(SAMPLE_LDS) -Wl,-z,noexecstack -Wl,--build-id=none -Wl,-z,norelro \
	-Wl,--no-dynamic-linker -no-pie

ALL_TARGETS += $(SAMPLE_ELF)
INSTALL_HOOKS += install-sample

$(SAMPLE_ELF): $(SAMPLE_SRC) $(SAMPLE_LDS) include/teehost/sample_abi.h mk/sample.mk
	@mkdir -p $(@D)
	@$(if $(Q),echo "  ENCLAVE $@")
	$(Q)$(CC) $(SAMPLE_CFLAGS) $(SAMPLE_LDFLAGS) -o $@ $(SAMPLE_SRC)

.PHONY: install-sample
install-sample: $(SAMPLE_ELF)
	install -d $(DESTDIR)$(DATADIR)/teehost
	install -m 0644 $(SAMPLE_ELF) $(DESTDIR)$(DATADIR)/teehost/sample.elf
