from services.dispatch.models import metadata
from yuqing.core.migrations import run_env

run_env(metadata)
