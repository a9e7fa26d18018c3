"""The AWS stack of the textile invoice platform, one module per concern.

`stack.build(settings)` assembles it; `pulumi/__main__.py` calls it with the settings of the selected
stack, and the tests call it under Pulumi's mocks with the settings of `Pulumi.dev.yaml` or
`Pulumi.prod.yaml`.
"""
