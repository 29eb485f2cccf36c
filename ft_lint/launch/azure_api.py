"""Azure OpenAI: OpenAI's API on an Azure resource, through the openai SDK's AzureOpenAI client."""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

from ft_lint.launch.openai_api import OpenAIProvider

TABLE_PREFIX = "azure/"  # models.toml names Azure's models azure/<name>


class AzureProvider(OpenAIProvider):
    name = "azure-openai"
    title = "Azure OpenAI"
    default_base_url = ""
    base_url_variable = "AZURE_OPENAI_ENDPOINT"  # the resource, e.g. https://NAME.openai.azure.com

    def missing_credentials(self) -> list[str]:
        # The variables AzureOpenAI reads when it is given no arguments.
        missing = []
        if not (os.environ.get("AZURE_OPENAI_API_KEY") or os.environ.get("AZURE_OPENAI_AD_TOKEN")):
            missing.append("AZURE_OPENAI_API_KEY (or AZURE_OPENAI_AD_TOKEN)")
        if not self.endpoint:
            missing.append("AZURE_OPENAI_ENDPOINT (or --base-url)")
        if not os.environ.get("OPENAI_API_VERSION"):
            missing.append("OPENAI_API_VERSION")
        return missing

    def make_client(self, sdk: ModuleType, read_seconds: float) -> Any:
        return sdk.AzureOpenAI(azure_endpoint=self.endpoint, **self.sdk_arguments(read_seconds))

    def api_model_name(self, model_id: str) -> str:
        return model_id.removeprefix(TABLE_PREFIX)

    def job_request_label(self) -> str:
        version = os.environ.get("OPENAI_API_VERSION", "")
        return f"POST {self.endpoint}/openai/fine_tuning/jobs?api-version={version} with this JSON body"

    def dashboard_url(self, job_id: str) -> str | None:
        return None
