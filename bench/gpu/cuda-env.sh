# Sourced (bash): puts the CUDA 13 / cuDNN 9 libraries of the python environment's NVIDIA pip
# packages (site-packages/nvidia/*/lib, which PyTorch's cu130 wheels use) on LD_LIBRARY_PATH, so that
# ONNX Runtime's CUDA provider finds libcudart.so.13, libcublas(Lt).so.13, libcurand.so.10, libcufft.so.12
# and libcudnn.so.9. PYTHON overrides the interpreter. Sets CUDA_LIB_DIRS (the folders, one a line).
# Returns 1 (without changing LD_LIBRARY_PATH) when the interpreter has no nvidia packages.
_py=${PYTHON:-python3}
_sp=$("$_py" - <<'PY' 2>/dev/null
import importlib.util, os
spec = importlib.util.find_spec("nvidia")
# nvidia is a namespace package: every folder of it, not one __init__.py.
print("\n".join(sorted(set(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else "")
PY
) || _sp=""
CUDA_LIB_DIRS=""
if [[ -n "$_sp" ]]; then
    # Every folder under nvidia/ that holds a shared library (nvidia/<pkg>/lib, or nvidia/cu13/lib in
    # the CUDA 13 wheels' layout).
    CUDA_LIB_DIRS=$(while read -r d; do find "$d" -name 'lib*.so*' -printf '%h\n'; done <<<"$_sp" | sort -u)
fi
if [[ -z "$CUDA_LIB_DIRS" ]]; then
    echo "cuda-env: $_py has no NVIDIA pip packages with libraries (no site-packages/nvidia/*/lib)" >&2
    unset _py _sp
    return 1
fi
export LD_LIBRARY_PATH="$(paste -sd: <<<"$CUDA_LIB_DIRS")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset _py _sp
