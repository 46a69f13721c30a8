# Checks the scap driver for {{consumer}} (driver API {{api}}) with {{helper}}.
# Rendered by `pkgtool consumer-snippet`; include it in {{consumer}}'s postinst.
# It never fails the postinst: {{consumer}} stays configured and works as soon
# as a compatible driver is installed, so it only explains what to do.
# Installing into a chroot or image for another kernel than the running one:
# set {{kernel_env}}=<its release> so that that kernel's module is checked.
# A helper that hangs is stopped after {{timeout}} s (coreutils timeout, Essential).
if [ "$1" = configure ]; then
	if command -v {{helper}} >/dev/null 2>&1; then
		scap_compat_rc=0
		scap_compat_start=$(date +%s)
		timeout -k 5 {{timeout}} {{helper}} check --api {{api}}{{#if schema}} --schema {{schema}}{{/if}} --consumer {{consumer}} || scap_compat_rc=$?
		# timeout exits 124 when SIGTERM stopped the helper, 137 when it took
		# the SIGKILL 5 s later: that is a timeout too, not a crash.
		if [ "$scap_compat_rc" -eq 137 ] && [ $(($(date +%s) - scap_compat_start)) -ge {{timeout}} ]; then
			scap_compat_rc=124
		fi
		case "$scap_compat_rc" in
		{{exit.compatible}})
			;;
		{{exit.compatible_with_warnings}})
			echo "{{consumer}}: the scap driver works, but read the warnings above." >&2
			;;
		{{exit.incompatible}})
			echo "{{consumer}}: the scap driver does not suit {{consumer}} (see above); {{consumer}} is installed but cannot capture until you install a compatible driver:" >&2
			echo "{{consumer}}:   apt-get install {{dkms_package}}   (or {{deb_modules_prefix}}${ {{~kernel_env}}:-$(uname -r)}, or the eBPF probe {{probe_package}})" >&2
			;;
		{{exit.no_driver}})
			echo "{{consumer}}: no scap driver is installed; {{consumer}} cannot capture until you install one:" >&2
			echo "{{consumer}}:   apt-get install {{dkms_package}}   (or {{deb_modules_prefix}}${ {{~kernel_env}}:-$(uname -r)}, or the eBPF probe {{probe_package}})" >&2
			;;
		124)
			echo "{{consumer}}: {{helper}} did not finish within {{timeout}} s and was stopped; the scap driver was not checked; check it later with: {{helper}} check --api {{api}}" >&2
			;;
		*)
			if [ "$scap_compat_rc" -gt 128 ]; then
				scap_compat_how="killed by signal $((scap_compat_rc - 128))"
			else
				scap_compat_how="exit $scap_compat_rc"
			fi
			echo "{{consumer}}: {{helper}} could not check the scap driver ($scap_compat_how); check it later with: {{helper}} check --api {{api}}" >&2
			;;
		esac
	else
		echo "{{consumer}}: the scap driver was not checked ({{helper}} is missing); apt-get install {{helper_package}}, then run: {{helper}} check --api {{api}}" >&2
	fi
fi
