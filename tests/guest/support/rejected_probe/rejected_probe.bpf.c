// SPDX-License-Identifier: GPL-2.0-only
/*
 * TEST FIXTURE, not a probe: an eBPF object that carries valid versions
 * the way the scap probe does (8-byte ELF sections api_version and
 * schema_version holding API_CODE and SCHEMA_CODE, the packed versions of
 * the driver-src under test) but whose one program the kernel's verifier
 * refuses, for tests/guest/scap_compat_load_test_rejected.sh. Built by
 * tests/vm (artefact rejected-probes) with clang -target bpf, once with
 * each of:
 *
 *   REJECT_OUT_OF_BOUNDS   reads 8 bytes at offset 8000 of the raw
 *                          tracepoint's context (12 argument slots, 96 bytes)
 *   REJECT_UNBOUNDED_LOOP  spins forever on a stack variable
 */
#if !defined(API_CODE) || !defined(SCHEMA_CODE)
#error "build with -DAPI_CODE=... -DSCHEMA_CODE=... (packed version codes)"
#endif

#define SEC(name) __attribute__((section(name), used))

/* A variable cannot be named like its section: the names differ. */
unsigned long long probe_api_version SEC("api_version") = API_CODE;
unsigned long long probe_schema_version SEC("schema_version") = SCHEMA_CODE;
char probe_license[] SEC("license") = "GPL";

SEC("raw_tracepoint/sys_enter")
int rejected_sys_enter(unsigned long long *ctx)
{
#if defined(REJECT_OUT_OF_BOUNDS)
	return ctx[1000];
#elif defined(REJECT_UNBOUNDED_LOOP)
	volatile int spin = 1;

	while (spin)
		;
	return 0;
#else
#error "build with -DREJECT_OUT_OF_BOUNDS or -DREJECT_UNBOUNDED_LOOP"
#endif
}
