"""SageMaker side of serverless endpoints: serverless (CPU) and asynchronous (GPU, scales to zero).

The execution role may read only the model's objects in the stack's bucket, decrypt with that bucket's
key, pull the one ECR repository of the image and write the endpoint's own logs; async endpoints may
also read their request prefix, write their result prefixes and publish to their two topics.
"""

from __future__ import annotations

import json
import re

import pulumi
import pulumi_aws as aws

from components.aws_account import account_id
from components.s3_storage import service_role
from components.serverless_endpoint import ServerlessEndpointArgs

VARIANT = "primary"
# Families whose instances have local NVMe storage: encrypted in hardware, and SageMaker refuses a
# KMS key for an endpoint on them (CreateEndpointConfig KmsKeyId).
INSTANCE_STORAGE_FAMILIES = ("g4dn", "g5", "g6", "g6e", "p4d", "p4de", "p5", "trn1")
BACKLOG_PER_INSTANCE = 5.0  # queued requests per instance the async endpoint aims for
_ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repo>[^:@]+)")


def sagemaker_endpoint(name: str, args: ServerlessEndpointArgs, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
    account = account_id(child)
    is_async = args.kind == "aws-sagemaker-async"
    topics = [aws.sns.Topic(f"{name}-{outcome}", kms_master_key_id=args.key_id, opts=child)
              for outcome in ("succeeded", "failed")] if is_async else []
    role = service_role(f"{name}-execution", "sagemaker.amazonaws.com",
                        f"SageMaker runs endpoint {args.physical_name} of {args.stack_name}", child)
    policy = aws.iam.RolePolicy(
        f"{name}-execution",
        role=role.id,
        policy=pulumi.Output.all(account, args.bucket_arn, args.key_id, *[t.arn for t in topics]).apply(
            lambda v: json.dumps(_execution_policy(args, v[0], v[1], v[2], v[3:]))
        ),
        opts=child,
    )
    model = aws.sagemaker.Model(
        f"{name}-model",
        execution_role_arn=role.arn,
        primary_container=_container(args),
        # Serverless endpoints do not support network isolation; async containers need no network.
        enable_network_isolation=is_async,
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[policy])),
    )
    variant: dict = {"variant_name": VARIANT, "model_name": model.name}
    if is_async:
        # Created with at least one instance; the scaling policies take it to zero when the queue is empty.
        variant.update(instance_type=args.instance_type, initial_instance_count=max(1, args.min_instances))
    else:
        serverless = {"memory_size_in_mb": args.memory_mb, "max_concurrency": args.max_concurrency}
        if args.provisioned_concurrency:
            serverless["provisioned_concurrency"] = args.provisioned_concurrency
        variant["serverless_config"] = serverless
    config = aws.sagemaker.EndpointConfiguration(
        name,
        production_variants=[variant],
        kms_key_arn=None if _has_instance_storage(args.instance_type) else args.key_id,
        async_inference_config=_async_config(args, topics) if is_async else None,
        opts=child,
    )
    endpoint = aws.sagemaker.Endpoint(
        f"{name}-endpoint", name=args.physical_name, endpoint_config_name=config.name, opts=child
    )
    if is_async:
        _scale_to_zero(name, args, endpoint, child)
    return endpoint.name


def _container(args: ServerlessEndpointArgs) -> dict:
    uri = pulumi.Output.from_input(args.bucket_name).apply(lambda bucket: f"s3://{bucket}/{args.model_artifact_key}")
    container: dict = {"image": args.image, "mode": "SingleModel"}
    if args.model_artifact_key.endswith("/"):
        container["model_data_source"] = {
            "s3_data_sources": [{"s3_uri": uri, "s3_data_type": "S3Prefix", "compression_type": "None"}]
        }
    else:
        container["model_data_url"] = uri
    return container


def _prefix(args: ServerlessEndpointArgs, part: str) -> str:
    return f"async/{args.workload}/{part}/"


def _async_config(args: ServerlessEndpointArgs, topics: list[aws.sns.Topic]) -> dict:
    bucket = pulumi.Output.from_input(args.bucket_name)
    config: dict = {
        "output_config": {
            "s3_output_path": bucket.apply(lambda b: f"s3://{b}/{_prefix(args, 'output')}"),
            "s3_failure_path": bucket.apply(lambda b: f"s3://{b}/{_prefix(args, 'failures')}"),
            "kms_key_id": args.key_id,
            "notification_config": {"success_topic": topics[0].arn, "error_topic": topics[1].arn},
        },
    }
    if args.max_concurrency:
        config["client_config"] = {"max_concurrent_invocations_per_instance": args.max_concurrency}
    return config


def _execution_policy(
    args: ServerlessEndpointArgs, account: str, bucket_arn: str, key_arn: str, topics: list[str]
) -> dict:
    region, artifact = args.region, args.model_artifact_key
    via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}
    log_group = f"arn:aws:logs:{region}:{account}:log-group:/aws/sagemaker/Endpoints/{args.physical_name}"
    statements = [
        {"Sid": "ReadModel", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": f"{bucket_arn}/{artifact}*" if artifact.endswith("/") else f"{bucket_arn}/{artifact}"},
        {"Sid": "DecryptModel", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn, "Condition": via_s3},
        {"Sid": "WriteOwnLogs", "Effect": "Allow", "Resource": [log_group, f"{log_group}:*"],
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]},
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
    ]
    image = _ECR.match(args.image)
    if image:
        statements.append({
            "Sid": "PullImage", "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            "Resource": f"arn:aws:ecr:{image['region']}:{image['account']}:repository/{image['repo']}",
        })
    if artifact.endswith("/"):
        statements.append({"Sid": "ListModel", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn,
                           "Condition": {"StringLike": {"s3:prefix": f"{artifact}*"}}})
    if topics:
        statements += [
            {"Sid": "ReadRequests", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": f"{bucket_arn}/{_prefix(args, 'input')}*"},
            {"Sid": "WriteResults", "Effect": "Allow", "Action": "s3:PutObject",
             "Resource": [f"{bucket_arn}/{_prefix(args, 'output')}*", f"{bucket_arn}/{_prefix(args, 'failures')}*"]},
            {"Sid": "EncryptResults", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
             "Resource": key_arn},
            {"Sid": "Notify", "Effect": "Allow", "Action": "sns:Publish", "Resource": list(topics)},
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def _scale_to_zero(
    name: str, args: ServerlessEndpointArgs, endpoint: aws.sagemaker.Endpoint, child: pulumi.ResourceOptions
) -> None:
    """Application Auto Scaling on the request backlog, down to zero instances and back up from zero."""
    endpoint_name = args.physical_name
    target = aws.appautoscaling.Target(
        f"{name}-capacity",
        service_namespace="sagemaker",
        resource_id=f"endpoint/{endpoint_name}/variant/{VARIANT}",
        scalable_dimension="sagemaker:variant:DesiredInstanceCount",
        min_capacity=args.min_instances,
        max_capacity=args.max_instances,
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[endpoint])),
    )
    scaled = dict(resource_id=target.resource_id, scalable_dimension=target.scalable_dimension,
                  service_namespace=target.service_namespace, opts=child)
    dimension = {"name": "EndpointName", "value": endpoint_name}
    aws.appautoscaling.Policy(
        f"{name}-backlog",
        name=f"{endpoint_name}-backlog-per-instance",
        policy_type="TargetTrackingScaling",
        target_tracking_scaling_policy_configuration={
            "target_value": BACKLOG_PER_INSTANCE,
            "customized_metric_specification": {"metric_name": "ApproximateBacklogSizePerInstance",
                                                "namespace": "AWS/SageMaker", "dimensions": [dimension],
                                                "statistic": "Average"},
            "scale_in_cooldown": 600,
            "scale_out_cooldown": 300,
        },
        **scaled,
    )
    # Target tracking cannot leave zero (no instance, no per-instance backlog): a step policy does.
    from_zero = aws.appautoscaling.Policy(
        f"{name}-from-zero",
        name=f"{endpoint_name}-has-backlog-without-capacity",
        policy_type="StepScaling",
        step_scaling_policy_configuration={
            "adjustment_type": "ChangeInCapacity",
            "metric_aggregation_type": "Average",
            "cooldown": 300,
            "step_adjustments": [{"metric_interval_lower_bound": "0", "scaling_adjustment": 1}],
        },
        **scaled,
    )
    aws.cloudwatch.MetricAlarm(
        f"{name}-backlog-without-capacity",
        name=f"{endpoint_name}-has-backlog-without-capacity",
        namespace="AWS/SageMaker",
        metric_name="HasBacklogWithoutCapacity",
        dimensions={"EndpointName": endpoint_name},
        statistic="Average",
        period=60,
        evaluation_periods=2,
        datapoints_to_alarm=2,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="missing",
        alarm_actions=[from_zero.arn],
        opts=child,
    )


def _has_instance_storage(instance_type: str | None) -> bool:
    return bool(instance_type) and instance_type.removeprefix("ml.").split(".")[0] in INSTANCE_STORAGE_FAMILIES
