"""ECR repositories for the three images (deploy/Dockerfile.usercode, .dagster, .training)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from .settings import REPOSITORIES, StackSettings

KEEP_IMAGES = 30


def build_repositories(settings: StackSettings) -> dict[str, aws.ecr.Repository]:
    """One repository per image name; tags are immutable so `imageTag` always means one build."""
    repositories = {}
    for name in REPOSITORIES:
        repository = aws.ecr.Repository(
            name,
            name=name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")
            ],
            opts=pulumi.ResourceOptions(protect=settings.deletion_protection),
        )
        aws.ecr.LifecyclePolicy(
            name,
            repository=repository.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": f"keep the last {KEEP_IMAGES} images",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": KEEP_IMAGES,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
        )
        repositories[name] = repository
    return repositories


def image(repository: aws.ecr.Repository, settings: StackSettings) -> pulumi.Output[str]:
    return pulumi.Output.concat(repository.repository_url, ":", settings.image_tag)
