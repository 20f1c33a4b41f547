"""Daily ITHQ dataset run on Kubernetes, scheduled by Airflow (2.x, apache-airflow-providers-apache-spark).

run_id is the run's logical date ({{ ds }}): it stays the same when a task is retried or cleared and re-run,
so a re-triggered run resumes (the job skips every (id, image_index) already "ok" in the manifest), and a
backfill of an old date resumes that date's run.

Success: spark-submit on Kubernetes exits 0 once the driver pod has finished, whatever the driver's exit code.
SparkSubmitHook knows this: for a k8s:// master it reads the driver container's "exit code: N" from
spark-submit's own log and fails the task unless N is 0 (exit 1: the run failed part-way, a retry resumes it;
exit 2: bad job file, input, model or output). Keep spark-submit's log at INFO on the worker (Spark's default)
so that the line is there.

Connection "spark_k8s": conn type Spark, host k8s://https://<api-server>, extra {"deploy-mode": "cluster"}.
The worker running this task needs Spark 4.2's spark-submit, Kubernetes credentials for the vqgen namespace,
and a checkout (or copy) of conf/ and deploy/k8s/ at VQGEN_HOME: the Spark settings come from
conf/spark-defaults.conf (properties_file), never from the image's /opt/spark/conf, which Spark's own config
map hides in driver and executor pods.
"""
import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

VQGEN_HOME = os.environ.get("VQGEN_HOME", "/opt/vqgen-deploy")
IMAGE = "registry.example.com/vqgen/vqgen:0.1.0-cu128"
# "secret": S3 keys from this Secret; None: IRSA (the spark service account's IAM role, deploy/k8s/rbac.yaml).
S3_SECRET = "vqgen-s3"
S3_KEYS = {
    f"spark.kubernetes.{role}.secretKeyRef.{env}": f"{S3_SECRET}:{key}"
    for role in ("driver", "executor")
    for env, key in (("AWS_ACCESS_KEY_ID", "access-key-id"), ("AWS_SECRET_ACCESS_KEY", "secret-access-key"))
} if S3_SECRET else {}

with DAG(
    dag_id="vqgen_ithq_daily",
    schedule="0 2 * * *",
    start_date=datetime(2026, 11, 27),
    catchup=False,
    # one run at a time: two runs on the same output would generate the same missing rows twice
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["vqgen"],
) as dag:
    SparkSubmitOperator(
        task_id="generate",
        conn_id="spark_k8s",
        name="vqgen-ithq-{{ ds }}",
        java_class="io.vqgen.job.GenerateJob",
        application="local:///opt/spark/jars/vqgen-cluster-gpu.jar",
        application_args=["/opt/vqgen/jobs/ithq-dataset.properties", "--set", "run_id={{ ds }}"],
        properties_file=f"{VQGEN_HOME}/conf/spark-defaults.conf",
        num_executors=8,
        conf={
            "spark.kubernetes.namespace": "vqgen",
            "spark.kubernetes.container.image": IMAGE,
            "spark.kubernetes.authenticate.driver.serviceAccountName": "spark",
            "spark.kubernetes.authenticate.executor.serviceAccountName": "spark",
            "spark.kubernetes.driver.label.vqgen.io/run-id": "{{ ds }}",
            "spark.kubernetes.executor.label.vqgen.io/run-id": "{{ ds }}",
            "spark.kubernetes.driver.podTemplateFile": f"{VQGEN_HOME}/deploy/k8s/driver-pod-template.yaml",
            "spark.kubernetes.executor.podTemplateFile": f"{VQGEN_HOME}/deploy/k8s/executor-pod-template.yaml",
            "spark.executor.resource.gpu.vendor": "nvidia.com",
            "spark.kubernetes.submission.waitAppCompletion": "true",
            **S3_KEYS,
        },
    )
