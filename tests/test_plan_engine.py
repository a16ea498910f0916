"""The offline plan engine: what it records, and the programs it refuses."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from skyweave.plan import SECRET_MASK, PlanError, run_program


def test_records_parent_provider_region_and_options() -> None:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-3", region="eu-west-3")
        parent = pulumi.ComponentResource("skyweave:test:Box", "box")
        aws.s3.Bucket("data", bucket="data-bucket", opts=pulumi.ResourceOptions(
            parent=parent, provider=provider, protect=True, retain_on_delete=True))

    resources = {r.name: r for r in run_program("t", program)}
    bucket = resources["data"]
    assert bucket.type == "aws:s3/bucket:Bucket"
    assert bucket.urn == "urn:pulumi:t::skyweave::skyweave:test:Box$aws:s3/bucket:Bucket::data"
    assert bucket.parent == resources["box"].urn
    assert bucket.provider == resources["aws-eu-west-3"].urn
    assert (bucket.cloud, bucket.region) == ("aws", "eu-west-3")
    assert (bucket.protect, bucket.retain_on_delete) == (True, True)
    assert (resources["box"].cloud, resources["box"].region) == ("aws", "eu-west-3")


def test_plan_lists_parents_first_and_siblings_by_type_and_name() -> None:
    def program() -> None:
        box = pulumi.ComponentResource("skyweave:test:Box", "box")
        provider = aws.Provider("aws-eu-west-3", region="eu-west-3")
        opts = pulumi.ResourceOptions(parent=box, provider=provider)
        aws.sns.Topic("zeta", opts=opts)
        aws.s3.Bucket("zeta-bucket", opts=opts)
        aws.sns.Topic("alpha", opts=opts)

    for _ in range(2):  # the same order every time, whatever order the registrations arrive in
        assert [r.name for r in run_program("t", program)] == ["aws-eu-west-3", "box", "zeta-bucket", "alpha", "zeta"]


def test_computed_outputs_flow_into_dependent_inputs() -> None:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        opts = pulumi.ResourceOptions(provider=provider)
        topic = aws.sns.Topic("alerts", opts=opts)
        aws.sns.TopicPolicy("alerts-policy", arn=topic.arn, policy="{}", opts=opts)

    policy = next(r for r in run_program("t", program) if r.name == "alerts-policy")
    assert policy.inputs["arn"] == "arn:aws:sns:eu-west-1:123456789012:alerts"


def test_records_what_each_input_depends_on_as_the_engine_sees_it() -> None:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        opts = pulumi.ResourceOptions(provider=provider)
        topic = aws.sns.Topic("alerts", opts=opts)
        audit = aws.sns.Topic("audit", opts=opts)
        aws.sns.TopicPolicy("alerts-policy", arn=topic.arn, policy=audit.arn.apply(lambda arn: f'{{"source": "{arn}"}}'),
                            opts=pulumi.ResourceOptions(provider=provider, depends_on=[audit]))

    resources = {r.name: r for r in run_program("t", program)}
    policy = resources["alerts-policy"]
    assert policy.property_dependencies["arn"] == [resources["alerts"].urn]
    assert policy.property_dependencies["policy"] == [resources["audit"].urn]
    assert policy.dependencies == sorted([resources["alerts"].urn, resources["audit"].urn])
    assert resources["alerts"].dependencies == []


def test_assets_reach_the_engine_and_flow_back_out() -> None:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        opts = pulumi.ResourceOptions(provider=provider)
        readme = aws.s3.BucketObjectv2("readme", bucket="docs", key="README", source=pulumi.StringAsset("hello"), opts=opts)
        aws.s3.BucketObjectv2("copy", bucket="docs", key="COPY", content=readme.source.apply(lambda a: a.text), opts=opts)

    resources = {r.name: r for r in run_program("t", program)}
    assert resources["readme"].inputs["source"].text == "hello"
    assert resources["copy"].inputs == {"bucket": "docs", "key": "COPY", "content": "hello"}


def test_secrets_are_masked_in_recorded_inputs() -> None:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        aws.ssm.Parameter("token", type="SecureString", value=pulumi.Output.secret("hunter2-value"),
                          opts=pulumi.ResourceOptions(provider=provider))

    parameter = next(r for r in run_program("t", program) if r.name == "token")
    assert parameter.inputs["value"] == SECRET_MASK
    assert "hunter2-value" not in repr(parameter.inputs)


def test_default_provider_is_refused() -> None:
    def program() -> None:
        aws.sns.Topic("stray")

    with pytest.raises(PlanError, match=r"urn:pulumi:t::skyweave::pulumi:pulumi:Stack\$aws:sns/topic:Topic::stray would use a default "
                                        r"provider; pass the explicit provider of its region"):
        run_program("t", program)


def test_duplicate_urns_are_refused() -> None:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        for _ in range(2):
            aws.sns.Topic("twice", opts=pulumi.ResourceOptions(provider=provider))

    with pytest.raises(PlanError, match=r"duplicate URN urn:pulumi:t::skyweave::pulumi:pulumi:Stack\$aws:sns/topic:Topic::twice"):
        run_program("t", program)


def test_unanswered_invoke_is_an_error_not_an_empty_answer() -> None:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        aws.get_region_output(opts=pulumi.InvokeOptions(provider=provider))

    with pytest.raises(PlanError, match=r"the offline plan has no answer for invoke aws:index/getRegion:getRegion"):
        run_program("t", program)


def test_tags_of_one_stack_never_leak_into_the_next(plan_of) -> None:
    first = plan_of({"name": "first-eu"})
    second = plan_of({"name": "second-eu", "owner": {"team": "search", "cost_center": "CC-9"}})
    assert first.one("aws:sns/topic:Topic").inputs["tags"]["skyweave-stack"] == "first-eu"
    tags = second.one("aws:sns/topic:Topic").inputs["tags"]
    assert (tags["skyweave-stack"], tags["team"], tags["cost-center"]) == ("second-eu", "search", "CC-9")


def test_stack_config_file_beside_pulumi_yaml_feeds_the_plan(tmp_path) -> None:
    from skyweave.pipeline import plan_stack
    from tests.conftest import BASE_STACK, write_stack

    (tmp_path / "Pulumi.yaml").write_text("name: skyweave\nruntime: python\n")
    (tmp_path / "Pulumi.gcp-eu.yaml").write_text(
        "config:\n  skyweave:gcpBillingAccount: 0AAAAA-BBBBBB-CCCCCC\n"
        "  skyweave:gatewayMasterKey:\n    secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n"
    )
    (tmp_path / "stacks").mkdir()
    stack = {**BASE_STACK, "name": "gcp-eu", "clouds": ["gcp"], "gcp_project": "ml-test-123",
             "residency": {"jurisdictions": ["eu"]}}
    plan = plan_stack(write_stack(tmp_path / "stacks", stack))
    budget = next(r for r in plan.resources if r.type == "gcp:billing/budget:Budget")
    assert budget.inputs["billingAccount"] == "0AAAAA-BBBBBB-CCCCCC"
