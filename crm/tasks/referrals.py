"""The CRM's referrals tasks."""
