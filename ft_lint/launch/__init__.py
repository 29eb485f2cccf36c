"""--launch: send data that passed the lint to the provider that trains on it.

- options.py: the settings (cheap to import: the CLI builds them at startup);
- cli_options.py: the options of `check`, and `ft-lint follow`;
- flow.py: the checks, the uploads, the job, following it (what session.run calls);
- base.py, openai_api.py, azure_api.py, together_api.py, fireworks_api.py, bedrock_api.py: one
  module per provider, each through its official SDK (the `launch` extra: pip install
  "ft-lint[launch]"; Bedrock's boto3: the `bedrock` extra);
- state.py: the uploads and jobs sent before, so that nothing is sent twice.
"""

from ft_lint.launch.options import JobSettings, LaunchOptions

__all__ = ["JobSettings", "LaunchOptions"]
