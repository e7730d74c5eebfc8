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
	# Nested verbs (teehost kernel VERB, teehost kernel series VERB): from their own help.
	local -a cmd=("${COMP_WORDS[1]}")
	[ "${COMP_WORDS[1]}" = kernel ] && [ "$COMP_CWORD" -ge 3 ] && cmd+=("${COMP_WORDS[2]}")
	[ "${COMP_WORDS[2]}" = series ] && [ "$COMP_CWORD" -ge 4 ] && cmd+=("${COMP_WORDS[3]}")
	if [[ $cur != -* ]] && { [[ ${COMP_WORDS[1]} = kernel && $COMP_CWORD -eq 2 ]] ||
		[[ ${COMP_WORDS[2]} = series && $COMP_CWORD -eq 3 ]]; }; then
		COMPREPLY=($(compgen -W "$(teehost "${cmd[@]}" --help 2>/dev/null | awk '/^  [a-z]/ {print $1}')" -- "$cur"))
		return
	fi
	case $cur in
	-*) COMPREPLY=($(compgen -W "$(teehost "${cmd[@]}" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -F _teehost teehost
