#!/usr/bin/env bash
# The Debian package test (CTest label install): `cpack -G DEB` of this build tree makes a package
# whose control file carries the project's version and dependencies, which holds the programs and
# every bundled scenario under /usr, and whose adsim, unpacked anywhere, lists those scenarios and
# prints the same version.
#
# usage: deb_package_test.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail

fail() { echo "deb package test: FAIL: $*" >&2; exit 1; }

build=$1 source=$2 version=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log" >&2; fail "cpack exited $?"; }
deb=$(ls "$work"/out/*.deb 2>/dev/null | head -1)
[[ -n "$deb" ]] || { cat "$work/cpack.log" >&2; fail "cpack made no .deb"; }

[[ "$(dpkg-deb -f "$deb" Package)" == adsim ]] || fail "package name is '$(dpkg-deb -f "$deb" Package)'"
[[ "$(dpkg-deb -f "$deb" Version)" == "$version" ]] || fail "package version is '$(dpkg-deb -f "$deb" Version)', project $version"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libsqlite3 libtomlplusplus libfmt libc6; do
  grep -q "$lib" <<<"$depends" || fail "Depends does not name $lib: $depends"
done

contents=$(dpkg-deb -c "$deb")
grep -q ' ./usr/bin/adsim$' <<<"$contents" || fail "no /usr/bin/adsim in the package"
scenarios=$(ls "$source"/scenarios/*.toml | wc -l)
packaged=$(grep -c ' ./usr/share/adsim/scenarios/.*\.toml$' <<<"$contents" || true)
[[ "$packaged" -eq "$scenarios" ]] || fail "$packaged scenarios in the package, $scenarios bundled"
grep -q ' ./usr/share/doc/adsim/LICENSE$' <<<"$contents" || fail "no LICENSE in the package"

dpkg-deb -x "$deb" "$work/root"
out=$(cd "$work" && env -u ADSIM_SCENARIO_DIR "$work/root/usr/bin/adsim" --version)
[[ "$out" == "adsim $version" ]] || fail "the packaged adsim --version printed '$out'"
listed=$(cd "$work" && env -u ADSIM_SCENARIO_DIR "$work/root/usr/bin/adsim" list | grep -c . || true)
[[ "$listed" -eq "$scenarios" ]] || fail "the packaged adsim lists $listed scenarios, $scenarios bundled"
echo "deb package test: ok ($(basename "$deb"), $packaged scenarios, Depends: $depends)"
