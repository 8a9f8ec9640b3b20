"""`Query.templateCost`: the template analysis of a draft, for any authenticated caller."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.api.enums import ChannelEnum
from backend.api.template_types import TEMPLATE_TEXT_DESCRIPTION, TemplateCost
from backend.api.types import Info
from backend.costs.templates import sms_template_cost
from backend.enums import Channel


def resolve_template_cost(
    info: Info,
    text: Annotated[str, strawberry.argument(description=TEMPLATE_TEXT_DESCRIPTION)],
    channel: Annotated[
        ChannelEnum,  # type: ignore[valid-type]
        strawberry.argument(description="SMS; any other channel answers BAD_USER_INPUT."),
    ],
) -> TemplateCost:
    # A draft reads nothing of the organization, but the API answers signed-in callers only.
    info.context.require_principal()
    return TemplateCost.of(sms_template_cost(text, Channel(channel)))
