# Test enclaves (tests/enclaves/): the SDK-ABI enclave, freestanding C + asm like the sample
# enclave, and its host-side SDK call driver, which loads it through libsgx_enclave_common.so.1
# and speaks the Intel SDK's ECALL/OCALL/exception ABI. Driven by tests/cli/sdk_enclave.sh.
# Like the sample, the enclave never gets the sanitizers or the host's CFLAGS.
SDKT_ELF := $(BUILD)/tests/enclaves/sdk_encl.elf
SDKT_SRC := tests/enclaves/sdk/entry.S tests/enclaves/sdk/encl.c
SDKT_LDS := tests/enclaves/sdk/sdk.lds
SDKT_DRIVER := $(BUILD)/tests/enclaves/sdk_driver

TEST_TARGETS += $(SDKT_ELF) $(SDKT_DRIVER)

$(SDKT_ELF): $(SDKT_SRC) $(SDKT_LDS) tests/enclaves/sdk_abi.h src/sgx/arch.h mk/test-enclaves.mk \
		mk/sample.mk
	@mkdir -p $(@D)
	@$(if $(Q),echo "  ENCLAVE $@")
	$(Q)$(CC) $(SAMPLE_CFLAGS) -Isrc -Itests/enclaves -Wl,-T,$(SDKT_LDS) -Wl,-z,noexecstack \
		-Wl,--build-id=none -Wl,-z,norelro -Wl,--no-dynamic-linker -no-pie -o $@ $(SDKT_SRC)

# The driver loads through the drop-in library (as Intel's uRTS does) and uses libteehost only
# to build, measure and sign the image.
$(SDKT_DRIVER): tests/enclaves/sdk_driver.c tests/enclaves/sdk_abi.h $(LIBA) \
		$(BUILD)/libsgx_enclave_common.so
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/enclaves -o $@ $< $(LIBA) -L$(BUILD) -lsgx_enclave_common \
		-Wl,-rpath,'$$ORIGIN/../..' $(LDLIBS) -lpthread
