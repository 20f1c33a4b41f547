#!/usr/bin/env bash
# Submits the ITHQ dataset run (jobs/ithq-dataset.properties) to Kubernetes in cluster mode, waits for it, and
# exits with the driver's own exit code: 0 the run finished, 1 it failed part-way (rerun to resume), 2 a bad job
# file, input, model or output (fix it first). Runs from the vqgen image (the CronJob does that) or from any
# machine with Spark 4.2, kubectl access to the namespace, and jq.
#
#   RUN_ID=2026-11-27 deploy/k8s/submit-ithq.sh [--conf spark.key=value ...] [--set job_key=value ...]
#
# --conf options go to spark-submit (e.g. volumes for a model on a PVC), --set options to the job (e.g.
# model=/models/vq-diffusion-ithq); the run id is always RUN_ID.
#
# Success is decided from the driver pod, not from spark-submit: spark-submit on Kubernetes exits 0 when the
# driver pod has finished, whatever its exit code. The driver pod gets a name of our own and the label
# vqgen.io/run-id; once it has terminated, its container's exit code is read from the Kubernetes API (kubectl
# when it is on the PATH, else the pod's service account token), and becomes this script's exit code. If a
# driver of the same run id is still running (a retried CronJob pod whose first attempt lost its connection),
# the script waits for that driver instead of starting a second one on the same output.
#
# The run id defaults to the schedule date: a pod of a CronJob-created Job derives it from the Job's name
# (which encodes the scheduled minute), so a retried pod resumes the same run; otherwise today's UTC date.
#
# S3 credentials: S3_AUTH=secret (default) injects the keys of the Secret S3_SECRET (access-key-id,
# secret-access-key) as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY into driver and executors; they never appear on a
# command line or in a file. S3_AUTH=irsa injects nothing: the pods run as SERVICE_ACCOUNT, whose IAM role
# annotation (deploy/k8s/rbac.yaml) makes EKS mount a web identity token that S3A's provider chain in
# conf/spark-defaults.conf reads.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SPARK_HOME:=/opt/spark}"
: "${K8S_MASTER:=k8s://https://kubernetes.default.svc}"
: "${NAMESPACE:=vqgen}"
: "${IMAGE:=registry.example.com/vqgen/vqgen:0.1.0-cu128}"
: "${SERVICE_ACCOUNT:=spark}"
: "${EXECUTORS:=8}"
: "${S3_AUTH:=secret}"
: "${S3_SECRET:=vqgen-s3}"
: "${JOB_FILE:=/opt/vqgen/jobs/ithq-dataset.properties}"    # path inside the image (the driver reads it)
: "${MAIN_CLASS:=io.vqgen.job.GenerateJob}"
: "${APP_JAR:=local:///opt/spark/jars/vqgen-cluster-gpu.jar}"
: "${POLL_SECONDS:=30}"
# Submission files: the image's copies (/opt/vqgen), else the repository's (run from a checkout). Never
# $SPARK_HOME/conf: in driver and executor pods Spark mounts its own config map there.
if [[ -d /opt/vqgen/k8s && -f /opt/vqgen/conf/spark-defaults.conf ]]; then
  templates=/opt/vqgen/k8s
  defaults=/opt/vqgen/conf/spark-defaults.conf
else
  templates=$here
  defaults=$here/../../conf/spark-defaults.conf
fi
SA_DIR=${SA_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}
K8S_API=${K8S_API:-https://kubernetes.default.svc}

fail() {
  echo "submit-ithq.sh: $*" >&2
  exit 1
}

extra_conf=()
extra_set=()
while (($#)); do
  [[ ($1 == --conf || $1 == --set) && $# -ge 2 ]] \
    || fail "unexpected argument '$1' (expected --conf spark.key=value or --set job_key=value)"
  if [[ $1 == --conf ]]; then extra_conf+=(--conf "$2"); else extra_set+=(--set "$2"); fi
  shift 2
done

schedule_date() {
  # CronJob names its Jobs <cronjob>-<scheduled time in minutes since the epoch>; JOB_NAME comes from the pod's
  # job-name label (downward API, see cronjob-ithq-daily.yaml).
  local name=${JOB_NAME:-}
  local minutes=${name##*-}
  if [[ "$minutes" =~ ^[0-9]{8,}$ ]]; then
    date -u -d "@$((minutes * 60))" +%F
  else
    date -u +%F
  fi
}

# GET /api/v1/namespaces/$NAMESPACE/<path> as JSON.
kube_get() {
  if command -v kubectl >/dev/null 2>&1; then
    kubectl get --raw "/api/v1/namespaces/$NAMESPACE/$1"
  elif [[ -r "$SA_DIR/token" ]]; then
    curl -fsS --cacert "$SA_DIR/ca.crt" -H "Authorization: Bearer $(cat "$SA_DIR/token")" \
      "$K8S_API/api/v1/namespaces/$NAMESPACE/$1"
  else
    fail "cannot reach the Kubernetes API to read the driver pod: no kubectl on the PATH and no service account token in $SA_DIR"
  fi
}

# A driver pod of this run id that has not finished yet, if any.
running_driver() {
  kube_get "pods?labelSelector=spark-role%3Ddriver,vqgen.io%2Frun-id%3D$run_label" \
    | jq -r '[.items[] | select(.status.phase == "Pending" or .status.phase == "Running")][0].metadata.name // empty'
}

# Waits until the driver container of pod $1 has terminated; prints its exit code.
driver_exit_code() {
  local pod=$1 json code
  while true; do
    json=$(kube_get "pods/$pod") || fail "driver pod $pod not found in namespace $NAMESPACE (deleted?): the run's outcome is unknown"
    code=$(jq -r '.status.containerStatuses[]? | select(.name == "spark-kubernetes-driver") | .state.terminated.exitCode // empty' <<<"$json")
    if [[ -n "$code" ]]; then
      echo "$code"
      return
    fi
    sleep "$POLL_SECONDS"
  done
}

[[ -f "$defaults" ]] || fail "no Spark defaults at $defaults"
command -v jq >/dev/null 2>&1 || fail "jq is needed to read the driver pod's status"
RUN_ID=${RUN_ID:-${RUN_DATE:-$(schedule_date)}}
# Kubernetes names and label values: lower-case letters, digits and '-'.
run_label=${RUN_ID,,}
run_label=${run_label//[_.]/-}
[[ "$run_label" =~ ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ ]] \
  || fail "RUN_ID '$RUN_ID': use at most 40 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"

case "$S3_AUTH" in
  secret)
    credentials=(
      --conf spark.kubernetes.driver.secretKeyRef.AWS_ACCESS_KEY_ID="$S3_SECRET:access-key-id"
      --conf spark.kubernetes.driver.secretKeyRef.AWS_SECRET_ACCESS_KEY="$S3_SECRET:secret-access-key"
      --conf spark.kubernetes.executor.secretKeyRef.AWS_ACCESS_KEY_ID="$S3_SECRET:access-key-id"
      --conf spark.kubernetes.executor.secretKeyRef.AWS_SECRET_ACCESS_KEY="$S3_SECRET:secret-access-key"
    )
    ;;
  irsa) credentials=() ;;
  *) fail "S3_AUTH '$S3_AUTH': expected secret or irsa" ;;
esac

driver=$(running_driver)
if [[ -n "$driver" ]]; then
  echo "submit-ithq.sh: run $RUN_ID already has a driver, $driver: waiting for it instead of submitting another" >&2
else
  # Unique per attempt: a finished driver pod of an earlier attempt keeps its name until it is deleted.
  driver="vqgen-ithq-$run_label-$(date -u +%s)-driver"
  "$SPARK_HOME/bin/spark-submit" \
    --master "$K8S_MASTER" \
    --deploy-mode cluster \
    --name "vqgen-ithq-$run_label" \
    --class "$MAIN_CLASS" \
    --properties-file "$defaults" \
    --conf spark.executor.instances="$EXECUTORS" \
    --conf spark.kubernetes.namespace="$NAMESPACE" \
    --conf spark.kubernetes.container.image="$IMAGE" \
    --conf spark.kubernetes.driver.pod.name="$driver" \
    --conf spark.kubernetes.driver.label.vqgen.io/run-id="$run_label" \
    --conf spark.kubernetes.executor.label.vqgen.io/run-id="$run_label" \
    --conf spark.kubernetes.authenticate.driver.serviceAccountName="$SERVICE_ACCOUNT" \
    --conf spark.kubernetes.authenticate.executor.serviceAccountName="$SERVICE_ACCOUNT" \
    --conf spark.kubernetes.driver.podTemplateFile="$templates/driver-pod-template.yaml" \
    --conf spark.kubernetes.executor.podTemplateFile="$templates/executor-pod-template.yaml" \
    --conf spark.executor.resource.gpu.vendor=nvidia.com \
    --conf spark.kubernetes.submission.waitAppCompletion=true \
    "${credentials[@]}" \
    "${extra_conf[@]}" \
    "$APP_JAR" "$JOB_FILE" "${extra_set[@]}" --set "run_id=$RUN_ID" \
    || fail "spark-submit failed (exit $?): the driver pod was not started"
fi

code=$(driver_exit_code "$driver")
case "$code" in
  0) echo "submit-ithq.sh: run $RUN_ID succeeded (driver $driver); summary: <output>/runs/$RUN_ID.json" >&2 ;;
  2) echo "submit-ithq.sh: run $RUN_ID stopped before generating: bad job file, input, model or output (kubectl -n $NAMESPACE logs $driver)" >&2 ;;
  *) echo "submit-ithq.sh: run $RUN_ID failed with exit code $code (kubectl -n $NAMESPACE logs $driver); rerun with RUN_ID=$RUN_ID to resume" >&2 ;;
esac
exit "$code"
