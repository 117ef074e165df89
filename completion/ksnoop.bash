# bash completion for ksnoop(8)                                    -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0
#
# The candidates come from the binary itself, 'ksnoop __complete WORD... CUR' (see
# src/complete.h): options, option values, commands, function names from the running
# kernel's BTF and, inside "FUNC(", argument and member names. This script only finds
# the words: a SPEC such as 'ip_send_skb(skb->len' is one shell word, but bash's
# COMP_WORDS splits it at '(', '>' and ':', so the line is split here, honouring quotes.
# No dependency on the bash-completion package.

# _ksnoop_split LINE: words of LINE (up to the cursor) into _ksnoop_words (unquoted),
# the raw text of the last one into _ksnoop_raw, and the quote still open at the end (if
# any) into _ksnoop_quote with the raw text after it into _ksnoop_inq.
_ksnoop_split()
{
	local line=$1 c word='' raw='' q='' inq='' i started=''
	_ksnoop_words=()
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		if [[ -n $q ]]; then
			raw+=$c
			if [[ $c == "$q" ]]; then
				q=''
			else
				word+=$c inq+=$c
			fi
		elif [[ $c == [[:space:]] ]]; then
			[[ -n $started ]] && _ksnoop_words+=("$word")
			word='' raw='' started=''
		elif [[ $c == [\'\"] ]]; then
			q=$c inq='' raw+=$c started=1
		elif [[ $c == \\ && $((i + 1)) -lt ${#line} ]]; then
			i=$((i + 1))
			word+=${line:i:1} raw+=$c${line:i:1} started=1
		else
			word+=$c raw+=$c started=1
		fi
	done
	_ksnoop_words+=("$word")
	_ksnoop_raw=$raw _ksnoop_quote=$q _ksnoop_inq=$inq
}

_ksnoop()
{
	local cur rl cands=() c lead strip exe
	_ksnoop_split "${COMP_LINE:0:COMP_POINT}"
	cur=${_ksnoop_words[${#_ksnoop_words[@]} - 1]}
	exe=${_ksnoop_words[0]}
	[[ $exe == */* && -x $exe ]] || exe=ksnoop
	mapfile -t cands < <("$exe" __complete "${_ksnoop_words[@]:1}" 2>/dev/null)
	if [[ ${cands[0]-} == @file ]]; then
		# a file name, after "--btf=" if the value is in the same word
		lead=''
		[[ $cur == --*=* ]] && lead=${cur%%=*}=
		mapfile -t cands < <(compgen -f -- "${cur#"$lead"}")
		cands=("${cands[@]/#/$lead}")
		compopt -o filenames 2>/dev/null
	fi
	# What readline replaces: the text after an open quote, else after the last of
	# COMP_WORDBREAKS (e.g. "len" of "skb->len"). Candidates are whole words: cut them.
	if [[ -n $_ksnoop_quote ]]; then
		rl=$_ksnoop_inq
	else
		rl=${_ksnoop_raw##*["${COMP_WORDBREAKS}"]}
	fi
	strip=$((${#cur} - ${#rl}))
	((strip < 0)) && strip=0
	COMPREPLY=()
	for c in "${cands[@]}"; do
		COMPREPLY+=("${c:strip}")
	done
	# Inside "FUNC(" the item goes on ("->", ',', ')'): no space after it.
	[[ $cur == *\(* ]] && compopt -o nospace 2>/dev/null
	return 0
}
complete -F _ksnoop ksnoop
