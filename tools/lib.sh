# Shared by tools/test, tools/conformance and tools/bench: install what is missing, then build.
# Sourced, not run.

# Debian packages the project needs to build, test and run.
SD_PACKAGES=(
    build-essential meson ninja-build pkg-config
    libpcsclite-dev pcscd vsmartcard-vpcd vsmartcard-vpicc pcsc-tools opensc
    libssl-dev libfyaml-dev libcriterion-dev
    valgrind clang clang-tools clang-tidy clang-format libclang-rt-14-dev
    python3 libreadline-dev
    chromium # headless: renders sdconform's report.html for the screenshot check
)

sd_log() { printf '== %s\n' "$*" >&2; }
sd_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the packages in SD_PACKAGES that are not installed yet (non-interactive).
sd_install_missing() {
    local missing=() p
    for p in "${SD_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        sd_die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
    fi
    sd_log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || sd_die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        sd_die "apt-get install failed for: ${missing[*]}"
}

# sd_build DIR [meson options...]: configures DIR once (or reconfigures), then builds it.
sd_build() {
    local dir=$1
    shift
    local opts=("$@")
    [ -n "${CI:-}" ] && opts+=(--werror)
    if [ -f "$dir/build.ninja" ]; then
        meson configure "$dir" "${opts[@]}" >/dev/null || sd_die "meson configure $dir failed"
    else
        meson setup "$dir" "$SD_ROOT" "${opts[@]}" >/dev/null || sd_die "meson setup $dir failed"
    fi
    sd_log "building $dir"
    ninja -C "$dir" >"$dir.log" 2>&1 || { cat "$dir.log" >&2; sd_die "build failed in $dir"; }
    if grep -q 'warning:' "$dir.log"; then
        grep 'warning:' "$dir.log" >&2
    fi
}
