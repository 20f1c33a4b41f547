#!/usr/bin/env bash
# Spark resource discovery for NVIDIA GPUs: prints the GPUs this container can use, in the JSON form Spark
# expects from spark.executor.resource.gpu.discoveryScript / spark.worker.resource.gpu.discoveryScript:
#   {"name": "gpu", "addresses": ["0", "1"]}
# Addresses are CUDA device indices inside the container, which is what vqgen hands to libtorch: under
# Kubernetes' NVIDIA device plugin (or YARN's GPU isolation) a container sees only the GPUs it was given,
# numbered from 0 in PCI bus order (the image sets CUDA_DEVICE_ORDER=PCI_BUS_ID so that CUDA numbers them so too).
#
# The list comes from nvidia-smi when the container toolkit mounted it (NVIDIA_DRIVER_CAPABILITIES includes
# "utility"), else from the GPU device nodes the container was given (/dev/nvidia0, /dev/nvidia1, ...), so a
# pod without nvidia-smi still reports its GPUs. No CUDA runtime is involved: whether libtorch can use a GPU is
# decided by vqgen through libtorch when the task starts. No GPU at all, or a failing nvidia-smi, fails the
# script and with it the executor: a GPU executor without a usable GPU is a broken node, not a CPU executor.
# NVIDIA_DEVICE_DIR (default /dev) is where the device nodes are looked for.
set -euo pipefail

fail() {
  echo "getGpusResources.sh: $*" >&2
  exit 1
}

if command -v nvidia-smi >/dev/null 2>&1; then
  indices=$(nvidia-smi --query-gpu=index --format=csv,noheader) || fail "nvidia-smi failed (driver not loaded?)"
else
  count=0
  for node in "${NVIDIA_DEVICE_DIR:-/dev}"/nvidia*; do
    [[ $(basename "$node") =~ ^nvidia[0-9]+$ ]] && count=$((count + 1))
  done
  indices=$(seq 0 $((count - 1)))
fi
addresses=$(printf '%s\n' "$indices" | awk 'NF { printf "%s\"%s\"", (n++ ? ", " : ""), $1 }')
[[ -n "$addresses" ]] || fail "no GPU visible in this container (no nvidia-smi output, no /dev/nvidiaN device)"
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
