#!/usr/bin/env bash
# The GPU path in one command, for a fresh GPU machine without internet (H100/H200, 16 cores):
# build madnis with CUDA for the GPU present, run every CUDA test (pytest -m gpu), compare CUDA
# and CPU |M|^2 and their throughput for g g > t t~ + 0..3 gluons (bench/gpu_check.py), and
# integrate processes/ttbar_j with --device cuda. About 8 minutes; a summary at the end, and a
# non-zero exit status if any step failed.
#
#   bash bench/gpu_check.sh prepare   # where pip reaches PyPI: what the GPU machine lacks, into
#                                     # .gpu_check/ (git-ignored): wheels of vegas and gvar for its
#                                     # Python (3.12), the default PDF grid; with PREBUILD_CUDA_ARCH=90
#                                     # also the CUDA libraries, compiled here (nvcc, no GPU needed)
#   bash bench/gpu_check.sh           # on the GPU machine, in the repository, .gpu_check/ beside it
#
# With this workplace's device tool: run(command="GPU_CHECK_LOGS=$OUT bash bench/gpu_check.sh",
# carry=[".gpu_check"], timeout_s=600); each step's log comes back from $OUT.
# Environment: PYTHON (default python3, the machine's, which holds a CUDA build of torch),
# GPU_CHECK_LOGS (folder for the logs), GPU_CHECK_NEVENTS (ttbar_j events, default 1000),
# CUDA_ARCH (default: the GPU's compute capability, e.g. 90).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
PREP=$ROOT/.gpu_check

if [[ "${1:-}" == "prepare" ]]; then
    set -e
    [[ -z "${PYTHON:-}" && -x .venv/bin/python ]] && PY=.venv/bin/python  # the project's, with madnis
    mkdir -p "$PREP/wheels" "$PREP/pdfdata"
    # The GPU machine's python3 is 3.12 with torch, numpy, scipy, click, rich, yaml, jinja2, pytest,
    # pybind11, scikit-build-core, cmake and ninja (KINDS.md of the device tool); madnis needs vegas too.
    "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d "$PREP/wheels" "vegas==6.4.1" "gvar==13.1.10"
    # The default PDF set's grid (the pythia8mc wheel that ships it is large); its metadata is in madnis.
    grid=$("$PY" -c "from madnis_plugin import pdf; print(pdf.locate('NNPDF23_lo_as_0130_qed', 0)[0])")
    cp "$grid" "$PREP/pdfdata/"
    if [[ -n "${PREBUILD_CUDA_ARCH:-}" ]]; then
        # nvcc here, no GPU: the CUDA libraries of gpu_check.py, used there when its nvcc is this one
        MADNIS_CACHE_DIR=$PREP/cache "$PY" bench/gpu_check.py --prebuild-cuda "$PREBUILD_CUDA_ARCH"
    fi
    du -sh "$PREP"
    exit 0
fi

LOGS=${GPU_CHECK_LOGS:-/tmp/gpu_check_logs}
WORK=$(mktemp -d /tmp/gpu_check.XXXXXX)
mkdir -p "$LOGS"
declare -a NAMES=() STATUS=() SECONDS_TAKEN=()
record() { NAMES+=("$1"); STATUS+=("$2"); SECONDS_TAKEN+=("$3"); }
summary() {
    echo
    echo "=== gpu_check summary (logs in $LOGS) ==="
    local failed=0
    for i in "${!NAMES[@]}"; do
        printf '%-62s %-5s %6s s\n' "${NAMES[$i]}" "${STATUS[$i]}" "${SECONDS_TAKEN[$i]}"
        [[ "${STATUS[$i]}" == ok ]] || failed=1
    done
    echo "total $((SECONDS)) s"
    return $failed
}
fail_now() { echo "gpu_check: $1"; record "$2" FAIL 0; summary; exit 1; }

# --- the machine -------------------------------------------------------------------------------
command -v nvcc >/dev/null || export PATH=${CUDA_HOME:-/usr/local/cuda}/bin:$PATH
nvidia-smi -L || true
nvcc --version | tail -n 2 || fail_now "nvcc is not on PATH" "nvcc"
ARCH=${CUDA_ARCH:-$("$PY" -c "import torch; print(''.join(map(str, torch.cuda.get_device_capability(0))))" 2>/dev/null)}
"$PY" -c "import sys, torch
ok = torch.cuda.is_available()
print('torch', torch.__version__, 'CUDA', torch.version.cuda, torch.cuda.get_device_name(0) if ok else 'sees no GPU')
sys.exit(0 if ok else 1)" || fail_now "$PY has no torch that sees the GPU (PYTHON=...)" "torch sees the GPU"
echo "GPU compute capability: sm_$ARCH; $(nproc) CPUs"

# --- Python packages the machine lacks, from the carried wheels --------------------------------
if ! "$PY" -c "import vegas, gvar" 2>/dev/null; then
    ls "$PREP"/wheels/*.whl >/dev/null 2>&1 || fail_now "vegas is missing: run 'bash bench/gpu_check.sh prepare' where pip \
reaches PyPI, and carry .gpu_check" "Python packages"
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$WORK/site" \
        "$PREP"/wheels/*.whl || fail_now "the carried wheels do not install" "Python packages"
    export PYTHONPATH=$WORK/site${PYTHONPATH:+:$PYTHONPATH}
fi
[[ -d "$PREP/pdfdata" ]] && export LHAPDF_DATA_PATH=$PREP/pdfdata${LHAPDF_DATA_PATH:+:$LHAPDF_DATA_PATH}
export MADNIS_CACHE_DIR=$WORK/cache  # cold: the compile times are part of the check
export PYTHONUNBUFFERED=1

# --- build with CUDA for this GPU --------------------------------------------------------------
t=$SECONDS
if MADNIS_CUDA=ON CMAKE_ARGS="-DCMAKE_CUDA_ARCHITECTURES=$ARCH" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
        "$PY" -m pip install --no-build-isolation --no-deps --no-index -e . >"$LOGS/build.log" 2>&1 \
        && "$PY" -c "from madnis_plugin.core import _core; import sys; sys.exit(0 if _core.cuda_built() else 1)"; then
    record "build (MADNIS_CUDA=ON, sm_$ARCH)" ok $((SECONDS - t))
else
    tail -n 40 "$LOGS/build.log"
    fail_now "the CUDA build failed (its log: $LOGS/build.log)" "build (MADNIS_CUDA=ON, sm_$ARCH)"
fi

# Carried CUDA libraries ('prepare' with nvcc there) are used where this nvcc is the same version.
[[ -d "$PREP/cache" ]] && cp -r "$PREP/cache" "$MADNIS_CACHE_DIR"

# --- in parallel: the matrix-element libraries, the CUDA tests, a ttbar_j run -------------------
# (the throughput measurement after them has the GPU and the CPUs to itself). Each has a deadline,
# so that the whole stays within the device tool's 10 minutes a command.
t=$SECONDS
ME_DEADLINE=${GPU_CHECK_ME_DEADLINE:-300}
setsid "$PY" bench/gpu_check.py --build-only --deadline "$ME_DEADLINE" --built "$WORK/built.json" \
    >"$LOGS/me_build.log" 2>&1 &  # setsid: at the deadline it ends its compilers with it
me_build=$!
NEV=${GPU_CHECK_NEVENTS:-1000}
(time timeout 300 "$PY" -m madnis_plugin.cli integrate processes/ttbar_j/proc_card.dat --device cuda \
    --nevents "$NEV" --seed 7 --output "$WORK/ttbar_j") >"$LOGS/integrate_ttbar_j.log" 2>&1 &
integrate=$!
mapfile -t gpu_tests < <(grep -l -e "requires_cuda" -e "pytest.mark.gpu" tests/test_*.py)
timeout 300 "$PY" -m pytest -q -m gpu -p no:cacheprovider -o addopts="" "${gpu_tests[@]}" 2>&1 \
    | tee "$LOGS/pytest_gpu.log"
if [[ ${PIPESTATUS[0]} -eq 0 ]] && grep -q " passed" "$LOGS/pytest_gpu.log" && ! grep -q " skipped" "$LOGS/pytest_gpu.log"; then
    record "pytest -m gpu (${#gpu_tests[@]} files)" ok $((SECONDS - t))
else
    record "pytest -m gpu (${#gpu_tests[@]} files; a skip is a failure)" FAIL $((SECONDS - t))
fi
if wait $integrate && grep -q "cross section" "$LOGS/integrate_ttbar_j.log"; then s=ok; else s=FAIL; fi
grep -E "cross section|unweighting eff|unweighted events|^│ time|error|^real" "$LOGS/integrate_ttbar_j.log" | tail -n 8
record "madnis integrate ttbar_j --device cuda --nevents $NEV" $s $((SECONDS - t))
if wait $me_build; then s=ok; else s=FAIL; fi
cat "$LOGS/me_build.log"
record "matrix-element libraries, CPU and CUDA (<= ${ME_DEADLINE} s)" $s $((SECONDS - t))

# --- CUDA against CPU: |M|^2 and throughput ------------------------------------------------------
t=$SECONDS
if "$PY" bench/gpu_check.py --from-built "$WORK/built.json" 2>&1 | tee "$LOGS/gpu_check.log"; \
        [[ ${PIPESTATUS[0]} -eq 0 ]]; then s=ok; else s=FAIL; fi
record "CUDA vs CPU |M|^2 and throughput" $s $((SECONDS - t))

summary
