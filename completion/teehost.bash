# bash completion for teehost: commands come from the tool's own help output.
_teehost() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(teehost --help 2>/dev/null | awk '/^  [a-z]/ {print $1}')" -- "$cur"))
		return
	fi
	if [ "$COMP_CWORD" -eq 2 ] && [ "${COMP_WORDS[1]}" = attest ]; then
		COMPREPLY=($(compgen -W "quote collateral verify" -- "$cur"))
		return
	fi
	case $cur in
	-*) COMPREPLY=($(compgen -W "$(teehost "${COMP_WORDS[1]}" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -F _teehost teehost
