#!/usr/bin/env bash
# Unpack programs from a newer Debian release than the machine's, without installing them:
#
#   editors/tools/debian-tool.sh SUITE DEST PACKAGE...
#
# downloads the packages, everything they depend on, and that release's C library from Debian's
# archive with a private apt configuration under DEST (the system's apt state is not touched),
# unpacks them into DEST/root (nothing is installed), and writes DEST/bin/NAME for each program
# in DEST/root/usr/bin that runs it with that release's dynamic loader and libraries. The editor
# tests use it for tools Debian 12 lacks or has too old: the tree-sitter CLI (Debian 13's
# tree-sitter-cli; the npm package of that name downloads its binary from outside the npm
# registry at install time, which machines that reach only package registries cannot do) and
# newer Neovims (Debian 12 has 0.7.2) to test the editor recipes on.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 SUITE DEST PACKAGE..." >&2
    exit 2
fi
suite=$1 dest=$2
shift 2
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
arch=$(dpkg --print-architecture)
triplet=$(gcc -dumpmachine 2>/dev/null || echo "$(uname -m)-linux-gnu")
apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dest/debs" "$dest/root" "$dest/bin"
echo "deb [arch=$arch] http://deb.debian.org/debian $suite main" > "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
          -o "Dir::State::status=$apt_dir/status" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
touch "$apt_dir/status"
apt-get "${apt_opts[@]}" -qq update
cd "$dest/debs"
rm -f ./*.deb
packages=$(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
               --no-breaks --no-replaces --no-enhances libc6 "$@" | grep -v '^[ <]' | sort -u)
# shellcheck disable=SC2086  # one word per package
apt-get "${apt_opts[@]}" -qq download $packages
for deb in "$dest"/debs/*.deb; do
    dpkg-deb -x "$deb" "$dest/root"
done
loader=$(ls "$dest/root/usr/lib/$triplet"/ld-linux*.so.* | head -n 1)
for program in "$dest"/root/usr/bin/*; do
    [ -x "$program" ] || continue
    name=$(basename "$program")
    cat > "$dest/bin/$name" <<WRAPPER
#!/bin/sh
exec "$loader" --library-path "$dest/root/usr/lib/$triplet:$dest/root/lib/$triplet" "$program" "\$@"
WRAPPER
    chmod +x "$dest/bin/$name"
done
ls "$dest/bin"
