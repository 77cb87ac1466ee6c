"""The rules of OMS, one module per domain; routers call these and nothing deeper."""
