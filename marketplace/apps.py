from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self) -> None:
        from billing import payments

        # Paid sessions (marketplace/services/payments.py): billing prices a held booking,
        # keys its one intent by the booking and reports what Stripe says of the payment.
        payments.register(
            "marketplace.booking",
            price="marketplace.selectors.bookings.booking_price",
            client_key="marketplace.services.payments.booking_client_key",
            on_succeeded="marketplace.services.bookings.booking_mark_paid",
            on_failed="marketplace.services.bookings.booking_payment_failed",
            on_refunded="marketplace.services.payments.booking_refunded",
        )
