from __future__ import annotations

from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "salesflow.quotes"
    label = "quotes"
    verbose_name = "Products and quotes"

    def ready(self) -> None:
        from salesflow.core.config_cache import config_models_register
        from salesflow.quotes.models import Product

        config_models_register(Product)  # record pages cache the catalogue (core.config_cache)
        from salesflow.pipeline.exports import deal_export_extension_register
        from salesflow.quotes.exports import deal_product_columns
        from salesflow.quotes.panels import panels_register
        from salesflow.quotes.panels_customers import panels_register as customer_panels_register

        self.exit_criterion_register()
        panels_register()
        customer_panels_register()
        deal_export_extension_register(deal_product_columns)

    @staticmethod
    def exit_criterion_register() -> None:
        """Let pipeline stages require "a quote has been sent" before a deal leaves them."""
        try:
            from salesflow.pipeline.criteria import criterion_register
        except ModuleNotFoundError as error:
            # salesflow.pipeline.criteria was written alongside this app; should this app land
            # first, there is nothing to register with yet (`quote_sent_missing` works alone).
            # Only the module's absence is tolerated: an import error inside it surfaces.
            if error.name != "salesflow.pipeline.criteria":
                raise
            return

        from salesflow.quotes.criteria import quote_sent

        criterion_register("quote_sent", "A quote has been sent", quote_sent)
