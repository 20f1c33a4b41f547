#!/usr/bin/env bash
# Spark resource discovery for NVIDIA GPUs: prints the GPUs this container can see, in the JSON form Spark
# expects from spark.executor.resource.gpu.discoveryScript / spark.worker.resource.gpu.discoveryScript:
#   {"name": "gpu", "addresses": ["0", "1"]}
# Under Kubernetes' NVIDIA device plugin a container sees only the GPUs it was allocated, numbered from 0.
# nvidia-smi is mounted by the NVIDIA container toolkit (NVIDIA_DRIVER_CAPABILITIES must include "utility").
# If nvidia-smi fails the script fails, and so does the executor: a GPU pod without a GPU is a broken node.
set -euo pipefail

indices=$(nvidia-smi --query-gpu=index --format=csv,noheader)
addresses=$(printf '%s\n' "$indices" | awk 'NF { printf "%s\"%s\"", (n++ ? ", " : ""), $1 }')
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
